"""The workers' Celery app: settings from ``syncapp.celery_config``, the backend chosen at start-up.

Importing this module builds objects and touches nothing. Celery evaluates
``_at_start_up`` when the app's configuration is first read — the worker's start,
a ``celery -A tasks`` command, a test's first publish — and that is where the
process chooses its backend (``syncapp.backend.choose``), once.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_init

from syncapp import celery_config
from syncapp.backend import choose
from syncapp.logs import configure_logging
from syncapp.preflight import enforce
from syncapp.settings import get_settings


@worker_init.connect
def _refuse_unsafe_production(**_kwargs) -> None:
    """Fail closed: a worker does not start in production with missing or default secrets."""
    enforce(get_settings(), "worker")


def _at_start_up() -> dict[str, Any]:
    settings = get_settings()
    configure_logging(settings.log_level)
    return celery_config.backend_config(choose(settings))


def create_celery_app() -> Celery:
    app = Celery("tasks")
    app.config_from_object(celery_config)
    app.add_defaults(_at_start_up)
    return app


app = create_celery_app()
