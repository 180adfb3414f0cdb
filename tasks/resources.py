"""What a worker process works with: the store, the Salesforce client, the portal, the slot.

Built once per worker process, after the prefork pool has forked (Celery's
``worker_process_init``; lazily on first use in a solo or eager worker), never in
the parent and never at import. A worker process keeps one logged-in browser for
its whole life (recycled by the portal client after N jobs or on failure): this is
what makes a warm job several times faster than a browser per job.
"""

from __future__ import annotations

import logging
import sys
import threading

from celery.signals import worker_init, worker_process_init, worker_process_shutdown

from portal_pages import PortalClient
from portal_pages.adapters import AdapterConfigError, UnknownPortal, check_configuration
from syncapp.backend import choose, open_store
from syncapp.kv import KeyValueStore
from syncapp.salesforce import SalesforceClient
from syncapp.settings import Settings, get_settings
from syncapp.tokens import TokenStore
from tasks.slots import SessionSlots

log = logging.getLogger(__name__)


class Resources:
    """One worker process's collaborators; the portal client is opened on first use."""

    def __init__(
        self,
        settings: Settings,
        store: KeyValueStore,
        salesforce: SalesforceClient,
        slots: SessionSlots,
    ) -> None:
        self.settings = settings
        self.store = store
        self.salesforce = salesforce
        self.slots = slots
        self._portal: PortalClient | None = None
        self._lock = threading.Lock()

    @classmethod
    def build(cls, settings: Settings) -> Resources:
        store = open_store(choose(settings), settings)
        # The slot outlives the longest job (it is renewed only when a job starts).
        ttl = max(settings.emr_session_idle_seconds, settings.sync_task_time_limit + 60)
        return cls(
            settings,
            store,
            SalesforceClient(settings, TokenStore(store, settings)),
            SessionSlots(store, settings.emr_session_cap, ttl),
        )

    def portal(self) -> PortalClient:
        """The process's portal client, inside a licensed session slot."""
        if not self.slots.ensure():
            # Our slot had expired while idle: the old browser session is not licensed
            # any more, so start a fresh one under the new slot.
            self.close_portal()
        with self._lock:
            if self._portal is None:
                self._portal = PortalClient.from_settings(self.settings)
            return self._portal

    def close_portal(self) -> None:
        with self._lock:
            client, self._portal = self._portal, None
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a dead browser may fail; it is gone anyway
                log.warning("portal client did not close cleanly", extra={"step": "shutdown"})

    def shutdown(self) -> None:
        self.close_portal()
        try:
            self.slots.release()
        except Exception:  # noqa: BLE001 - the slot's TTL frees it anyway
            log.warning("session slot not released", extra={"step": "shutdown"})


_current: Resources | None = None
_building = threading.Lock()


def get() -> Resources:
    """This process's resources (built at ``worker_process_init``, or now if not yet)."""
    global _current
    with _building:
        if _current is None:
            _current = Resources.build(get_settings())
        return _current


def install(resources: Resources) -> Resources | None:
    """Use ``resources`` in this process from now on (a test's, wired to the sandboxes).

    Returns what was there before, for the caller to put back.
    """
    global _current
    with _building:
        previous, _current = _current, resources
    return previous


@worker_init.connect
def _refuse_bad_emr_configuration(**_kwargs) -> None:
    """An unknown ``EMR_*`` variable or an invalid adapter setting: refuse to start, say why."""
    try:
        check_configuration(get_settings())
    except (UnknownPortal, AdapterConfigError) as exc:
        sys.stderr.write(f"sf-emr-sync worker: refusing to start: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(2) from exc


@worker_process_init.connect
def _at_process_start(**_kwargs) -> None:
    get()


@worker_process_shutdown.connect
def _at_process_end(**_kwargs) -> None:
    if _current is not None:
        _current.shutdown()
