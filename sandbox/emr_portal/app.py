"""Application factory of the Demo EMR portal."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template, request

from . import api, auth, inspect_api, views
from .config import PortalConfig
from .db import close_db, init_db
from .faults import Faults, init_faults, is_api
from .request_log import init_request_log


def create_app(config: PortalConfig | Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. ``config`` may be a ``PortalConfig`` or a dict of its fields."""
    if config is None:
        config = PortalConfig.from_env()
    elif not isinstance(config, PortalConfig):
        config = PortalConfig.from_mapping(config)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_hex(16),
        EMR_DB=config.db,
        EMR_USERNAME=config.username,
        EMR_PASSWORD=config.password,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    init_db(config.db)
    app.teardown_appcontext(close_db)

    # Order matters: faults run first (an injected 500 happens before any work),
    # then the session is loaded and counted as activity.
    faults = Faults(
        latency_ms=config.latency_ms,
        jitter_ms=config.jitter_ms,
        error_rate=config.error_rate,
        idle_lock_seconds=config.idle_lock_seconds,
        session_seconds=config.session_seconds,
        whats_new_rate=config.whats_new_rate,
        static_latency=config.static_latency,
    )
    init_request_log(app)  # first: its clock starts before the injected delay
    init_faults(app, faults, config.seed)
    auth.init_auth(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(inspect_api.bp)

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> Any:
        if is_api(request.path) or request.path.startswith("/__sandbox__"):
            return {"error": "not_found"}, 404
        return render_template("not_found.html"), 404

    @app.errorhandler(500)
    def server_error(_exc: Exception) -> Any:
        if is_api(request.path) or request.path.startswith("/__sandbox__"):
            return {"error": "internal"}, 500
        return render_template("error.html"), 500

    return app
