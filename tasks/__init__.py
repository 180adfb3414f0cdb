"""The Celery app for ``celery -A tasks``: ``sync_patient``, ``report_to_salesforce``, ``resync``."""

from tasks.celery_app import app
from tasks.report import report_to_salesforce
from tasks.sync import sync_patient

celery = app

__all__ = ["app", "celery", "report_to_salesforce", "sync_patient"]
