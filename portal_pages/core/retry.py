"""Step-level retries: a few quick attempts for failures worth retrying.

A step (find the chart, sync one section) is idempotent by construction
(read, diff, write only the difference), so repeating it after a 5xx, a lock
screen or an expired session is safe. Between attempts the caller's
``recover`` puts the browser back on its feet (log in again, unlock, reload the
chart). Only ``RetryableError`` is retried here; a job that runs out of
attempts fails with that error, and the Celery task's own backoff takes over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from syncapp.errors import RetryableError

log = logging.getLogger(__name__)
T = TypeVar("T")

STEP_ATTEMPTS = 5


def run_step(
    step: str,
    fn: Callable[[], T],
    *,
    recover: Callable[[], None],
    attempts: int = STEP_ATTEMPTS,
    max_wait: float = 1.0,
) -> T:
    """Run ``fn``; on ``RetryableError`` wait a short jittered moment, ``recover()`` and retry."""
    last: list[BaseException | None] = [None]

    def remember(state) -> None:
        last[0] = state.outcome.exception() if state.outcome else None

    retrying = Retrying(
        before_sleep=remember,
        retry=retry_if_exception_type(RetryableError),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.1, max=max_wait),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            number = attempt.retry_state.attempt_number
            if number > 1:
                log.info(
                    "retrying step",
                    extra={"step": step, "attempt": number, "kind": getattr(last[0], "kind", None)},
                )
                recover()
            return fn()
    raise AssertionError("unreachable")  # pragma: no cover
