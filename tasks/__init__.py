"""The Celery app for ``celery -A tasks``: ``sync_patient``, ``report_to_salesforce``, ``resync``."""

from tasks import ops_hooks  # noqa: F401 - audit, metrics and alerts via task signals
from tasks.celery_app import app
from tasks.ops_tasks import drift_check, ops_check
from tasks.report import report_to_salesforce
from tasks.sweep import sweep
from tasks.sync import sync_patient

celery = app

__all__ = [
    "app",
    "celery",
    "drift_check",
    "ops_check",
    "report_to_salesforce",
    "sweep",
    "sync_patient",
]
