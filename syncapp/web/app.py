"""The Flask application factory: the only place the web app is assembled.

Safe defaults, then the environment (``Settings``), then test overrides. The
factory chooses the process's backend (``syncapp.backend.choose``) unless given
one, and builds each collaborator it is not given — the store, the token store,
the job publisher, the Salesforce client — into ``app.extensions``. Each inbound
channel is a blueprint that registers itself.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from syncapp.backend import Backend, choose, open_store
from syncapp.enqueue import Enqueuer, celery_for
from syncapp.kv import KeyValueStore
from syncapp.logs import configure_logging
from syncapp.preflight import enforce
from syncapp.salesforce import SalesforceClient
from syncapp.settings import Settings, get_settings
from syncapp.tokens import TokenStore
from syncapp.web import health, oauth, ops, webhooks
from syncapp.web.services import EXTENSION, Enqueue, Services


def create_app(
    test_config: dict[str, Any] | None = None,
    settings: Settings | None = None,
    *,
    backend: Backend | None = None,
    store: KeyValueStore | None = None,
    tokens: TokenStore | None = None,
    enqueue: Enqueue | None = None,
    salesforce: SalesforceClient | None = None,
) -> Flask:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    enforce(settings, "web")  # fail closed: no production start with default secrets
    backend = backend or choose(settings)
    store = store or open_store(backend, settings)
    tokens = tokens or TokenStore(store, settings)
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.flask_secret_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.webhook_max_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: the OAuth callback is a top-level redirect from Salesforce.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions[EXTENSION] = Services(
        settings=settings,
        backend=backend,
        store=store,
        tokens=tokens,
        enqueue=enqueue or Enqueuer(celery_for(backend, main="sf-emr-sync-web")),
        salesforce=salesforce or SalesforceClient(settings, tokens),
    )
    app.register_blueprint(health.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(webhooks.bp)
    ops.init_app(app)  # /status and /metrics (audit trail, metric store)
    return app
