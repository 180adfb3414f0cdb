"""The Flask application factory and the org object every blueprint shares.

``create_app`` wires the store, the DML layer, the notifier and the blueprints
together; each blueprint reaches the shared state through ``org()``, never a
module global, so several orgs (one per test, say) can live in one process.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, current_app, jsonify, request

from sandbox.salesforce_org import config, ids, schema
from sandbox.salesforce_org.errors import ApiError, not_found
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
        self.org_id: str = settings["org_id"]
        self.user_id: str = settings["user_id"]
        self.action_id = ids.make_id(schema.OUTBOUND_ACTION_PREFIX, 5_550_001)
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


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the org's WSGI app. ``overrides`` win over ``SF_SANDBOX_*`` and defaults."""
    from sandbox.salesforce_org import apexrest, oauth, pages, rest, sandbox_api

    settings = config.load(overrides)
    app = Flask(__name__)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # Salesforce's key order: attributes first, then fields
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    the_org = Org(settings)
    app.extensions[EXTENSION] = the_org

    @app.before_request
    def _outage():
        """``POST /__sandbox__/down`` makes every Salesforce endpoint answer 503."""
        the_org.remember_base_url(request.host_url.rstrip("/"))
        if request.path.startswith("/__sandbox__/"):
            return None
        if the_org.down_for() > 0:
            resp = jsonify([{"message": "Service Unavailable", "errorCode": "SERVER_UNAVAILABLE"}])
            resp.status_code = 503
            resp.headers["Retry-After"] = str(int(the_org.down_for()) + 1)
            return resp
        return None

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return exc.response()

    @app.errorhandler(404)
    def _not_found(_exc):
        return not_found().response()

    @app.errorhandler(405)
    def _not_allowed(_exc):
        return ApiError(
            405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed"
        ).response()

    app.register_blueprint(oauth.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(apexrest.bp)
    app.register_blueprint(sandbox_api.bp)
    app.register_blueprint(pages.bp)

    if settings["start_sender"]:
        the_org.notifier.start()
    return app
