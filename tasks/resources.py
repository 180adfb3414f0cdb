"""Per-process resources of a worker: the Salesforce client, the portal browser, the slot.

A worker process keeps one logged-in browser for its whole life (recycled by the
portal client after N jobs or on failure): this is what makes a warm job several
times faster than the case study's browser-per-job. Everything here is created
lazily on first use, after the prefork pool has forked, never in the parent.
"""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_process_shutdown

from syncapp.backend import get_store
from syncapp.settings import get_settings
from tasks.slots import SessionSlots

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, object] = {}


def salesforce():
    from syncapp.salesforce import SalesforceClient
    from syncapp.tokens import TokenStore

    with _lock:
        if "sf" not in _state:
            settings = get_settings()
            _state["sf"] = SalesforceClient(settings, TokenStore(get_store(), settings))
        return _state["sf"]


def slots() -> SessionSlots:
    with _lock:
        if "slots" not in _state:
            s = get_settings()
            # The slot outlives the longest job (it is renewed only when a job starts).
            ttl = max(s.emr_session_idle_seconds, s.sync_task_time_limit + 60)
            _state["slots"] = SessionSlots(get_store(), s.emr_session_cap, ttl)
        return _state["slots"]  # type: ignore[return-value]


def portal():
    """The process's portal client, inside a licensed session slot."""
    from portal_pages import PortalClient

    if not slots().ensure():
        # Our slot had expired while idle: the old browser session is not licensed
        # any more, so start a fresh one under the new slot.
        close_portal()
    with _lock:
        if "portal" not in _state:
            _state["portal"] = PortalClient.from_settings(get_settings())
        return _state["portal"]


def close_portal() -> None:
    with _lock:
        client = _state.pop("portal", None)
    if client is not None:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing a dead browser may fail; it is gone either way
            log.warning("portal client did not close cleanly", extra={"step": "shutdown"})


@worker_process_shutdown.connect
def _shutdown(**_kwargs) -> None:
    close_portal()
    try:
        slots().release()
    except Exception:  # noqa: BLE001 - the slot's TTL frees it anyway
        log.warning("session slot not released", extra={"step": "shutdown"})
