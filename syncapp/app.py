"""The Flask application factory: the only place the web app is assembled.

Safe defaults, then the environment (``Settings``), then test overrides. Each
inbound channel is a blueprint that registers itself.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from syncapp.logs import configure_logging
from syncapp.settings import Settings, get_settings


def create_app(
    test_config: dict[str, Any] | None = None, settings: Settings | None = None
) -> Flask:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.flask_secret_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.webhook_max_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SYNC_SETTINGS=settings,
    )
    if test_config:
        app.config.update(test_config)

    from syncapp import health, oauth, webhooks

    app.register_blueprint(health.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(webhooks.bp)
    return app
