"""The web app's collaborators, built once by the factory and kept in ``app.extensions``.

Views reach them through ``services()``; nothing is looked up in a process-wide
cache or a config key, so a test replaces exactly what it passes to ``create_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from celery import Celery
from flask import current_app

from syncapp.backend import Backend
from syncapp.enqueue import celery_for
from syncapp.kv import KeyValueStore
from syncapp.salesforce import SalesforceClient
from syncapp.settings import Settings
from syncapp.tokens import TokenStore

EXTENSION = "sf_emr_sync"
PUBLISHER = "sf_emr_sync_publisher"  # a Celery app built when ``enqueue`` has none

# ``enqueue(record_id, job_id) -> job id``; raises ``EnqueueFailed`` (``syncapp.enqueue``).
Enqueue = Callable[[str, str | None], str]


@dataclass(frozen=True)
class Services:
    settings: Settings
    backend: Backend
    store: KeyValueStore
    tokens: TokenStore
    enqueue: Enqueue
    salesforce: SalesforceClient


def services() -> Services:
    return current_app.extensions[EXTENSION]


def publisher() -> Celery:
    """The Celery app jobs are published with (``Enqueuer.app``), or one built for the
    backend once per web app (a test's ``enqueue`` is a plain function): for worker pings
    and the operations tasks sent by name."""
    app = getattr(services().enqueue, "app", None)
    if app is None:
        built = current_app.extensions.get(PUBLISHER)
        if built is None:
            built = current_app.extensions[PUBLISHER] = celery_for(
                services().backend, main="sf-emr-sync-ops"
            )
        app = built
    return app
