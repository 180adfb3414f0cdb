"""The Flask application factory of the sandbox org.

``create_app`` builds the ``Org`` (store, DML layer, notifier; see ``org.py``)
and registers the blueprints, which reach it through ``org()``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from sandbox.salesforce_org import apexrest, config, oauth, pages, rest, sandbox_api
from sandbox.salesforce_org.errors import ApiError, not_found
from sandbox.salesforce_org.org import EXTENSION, Org


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the org's WSGI app. ``overrides`` win over ``SF_SANDBOX_*`` and defaults."""
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
