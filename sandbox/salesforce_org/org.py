"""One sandbox org: its identity, data, notification sender and fault switches.

Every blueprint reaches the org of the current app through ``org()``, never a
module global, so several orgs (one per test, say) can live in one process.
The org lives apart from the app factory so that the blueprints the factory
registers can import it without importing the factory (no cycle).

Identity is the database's: a fresh database gets its own random org id, user
id and Outbound Message action id (``SF_SANDBOX_ORG_ID`` may pin the org id of a
fresh database), and keeps them across restarts, as a real org does.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app, request

from sandbox.salesforce_org import config, ids, schema
from sandbox.salesforce_org.notifier import Notifier
from sandbox.salesforce_org.records import Records
from sandbox.salesforce_org.store import Store

EXTENSION = "salesforce_org"


class Org:
    """One sandbox org: settings, data, tokens, notifications and fault switches."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.runtime = config.RuntimeConfig(settings)
        self.store = Store(settings["db"])
        self.org_id: str = self._identity("org_id", schema.ORG_PREFIX)
        self.user_id: str = self._identity("user_id", schema.USER_PREFIX)
        self.action_id = self._identity("action_id", schema.OUTBOUND_ACTION_PREFIX)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._api_calls = 0
        self._last_base_url = settings["instance_url"] or settings.get("instance_url_hint", "")
        self.notifier = Notifier(
            self.store,
            self.runtime,
            org_id=self.org_id,
            action_id=self.action_id,
            base_url=self.base_url,
            load_record=lambda rid: self.records.get(schema.PATIENT, rid),
            send_timeout=settings["send_timeout_seconds"],
        )
        self.records = Records(self.store, self.user_id, self.notifier.enqueue)

    def _identity(self, key: str, prefix: str) -> str:
        """The database's id for ``key``: the configured one or a random one, minted once."""
        wanted = self.settings.get(key) or ""
        value = self.store.claim(key, lambda: wanted or ids.random_id(prefix))
        if wanted and not ids.same_id(wanted, value):
            raise ValueError(
                f"{key} {wanted} was asked for, but database {self.settings['db']} "
                f"belongs to {value}; use a fresh database"
            )
        return value

    def base_url(self) -> str:
        """The org's instance URL: configured, else the URL clients last reached it on."""
        return self.settings["instance_url"] or self._last_base_url or "http://127.0.0.1"

    def instance_url(self) -> str:
        """The instance URL for the current request (keeps the client's scheme and port)."""
        return self.settings["instance_url"] or request.host_url.rstrip("/")

    def remember_base_url(self, url: str) -> None:
        if url.startswith("http://"):  # the notifier prefers the plain-HTTP address
            self._last_base_url = url
        elif not self._last_base_url:
            self._last_base_url = url

    def count_api_call(self) -> int:
        with self._lock:
            self._api_calls += 1
            return self._api_calls

    def go_down(self, seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + max(0.0, seconds)

    def down_for(self) -> float:
        with self._lock:
            return max(0.0, self._down_until - time.monotonic())


def org() -> Org:
    return current_app.extensions[EXTENSION]
