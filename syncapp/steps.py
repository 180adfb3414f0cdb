"""Step timings of the current job, for the audit trail and the step-duration metrics.

``syncapp.logs.timed_step`` reports every finished step here. A job opens a
``collect()`` scope to receive its own steps' timings (kept in a contextvar, so
concurrent jobs in threads do not mix), and processes may add observers — the
worker's metrics recorder — that see every step. Names and numbers only.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

Observer = Callable[[str, float, bool], None]  # step, seconds, succeeded
_observers: list[Observer] = []
_event_observers: list[Callable[[str], None]] = []
_current: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "sync_step_timings", default=None
)


def add_observer(observer: Observer) -> None:
    """Call ``observer(step, seconds, ok)`` after every timed step in this process."""
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    """Gather ``{step: seconds}`` of the steps run inside (a repeated step adds up)."""
    timings: dict[str, float] = {}
    token = _current.set(timings)
    try:
        yield timings
    finally:
        _current.reset(token)


def begin() -> tuple[dict[str, float], contextvars.Token]:
    """Like ``collect()`` for code that cannot use ``with`` (Celery's prerun/postrun signals)."""
    timings: dict[str, float] = {}
    return timings, _current.set(timings)


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def observed(step: str, seconds: float, ok: bool) -> None:
    """Called by ``timed_step``; never raises into the step it measured."""
    timings = _current.get()
    if timings is not None:
        timings[step] = timings.get(step, 0.0) + seconds
    for observer in list(_observers):
        try:
            observer(step, seconds, ok)
        except Exception:  # noqa: BLE001 - metrics must never fail a sync
            log.warning("step observer failed", extra={"step": step})


def add_event_observer(observer: Callable[[str], None]) -> None:
    """Call ``observer(event)`` for every ``count(event)`` in this process."""
    if observer not in _event_observers:
        _event_observers.append(observer)


def remove_event_observer(observer: Callable[[str], None]) -> None:
    if observer in _event_observers:
        _event_observers.remove(observer)


def count(event: str) -> None:
    """Something worth counting happened (``lock_screen_recoveries``); never raises."""
    for observer in list(_event_observers):
        try:
            observer(event)
        except Exception:  # noqa: BLE001 - metrics must never fail a sync
            log.warning("event observer failed", extra={"step": event})
