"""The Celery application factory: settings from ``celeryconfig``, tasks from ``tasks``."""

from __future__ import annotations

from celery import Celery

from syncapp.logs import configure_logging
from syncapp.settings import get_settings


def create_celery_app() -> Celery:
    configure_logging(get_settings().log_level)
    app = Celery("tasks")
    app.config_from_object("celeryconfig")
    return app


app = create_celery_app()
