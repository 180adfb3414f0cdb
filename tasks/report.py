"""``report_to_salesforce``: post the outcome of a sync to the Apex REST callback.

Chained after ``sync_patient`` (and sent by ``tasks.policy`` when a sync fails for
good, and by the dead-letter watcher). The callback writes only the sync fields,
which Salesforce's trigger and Outbound Message criteria ignore, so reporting never
starts another sync.

Salesforce is never left silent: a ``Synced`` callback that Salesforce rejects (say,
the EMR id is already on another record) is followed by a ``Failed`` one, without
the EMR id, giving the reason; when Salesforce cannot be told at all, the record is
dead-lettered with the failure's kind and counted for the operators.
"""

from __future__ import annotations

import logging

from celery import Task

from syncapp.enqueue import REPORT_TASK
from syncapp.errors import PermanentError, RetryableError, SyncError
from syncapp.logs import log_context, timed_step
from tasks import deadletter, policy, resources
from tasks.celery_app import app
from tasks.resources import Resources

log = logging.getLogger("tasks.report")


@app.task(bind=True, name=REPORT_TASK, max_retries=None)
def report_to_salesforce(self: Task, result: dict, record_id: str) -> dict:
    """Send ``result`` (status, EMR id, changed field names or error text) to Salesforce."""
    res = resources.get()
    with log_context(record_id=record_id, job_id=self.request.id):
        try:
            return _report(self, res, result, record_id)
        except policy.INFRASTRUCTURE as exc:
            raise policy.infrastructure_down(self, res.settings, exc) from None


def _report(task: Task, res: Resources, result: dict, record_id: str) -> dict:
    status = result.get("status", "Failed")
    try:
        _post(res, record_id, result, status)
    except RetryableError as exc:
        if task.request.retries < res.settings.sync_max_retries:
            countdown = policy.backoff(res.settings, task.request.retries)
            raise task.retry(exc=exc, countdown=countdown) from None
        _unreported(task, res, record_id, exc)
        raise exc from None
    except PermanentError as exc:
        log.error("callback rejected", extra={"step": "callback", "kind": exc.kind})
        if status != "Synced":
            _unreported(task, res, record_id, exc)
            raise exc from None
        # Tell Salesforce the sync did not land, with the reason and without the EMR id.
        failed = {"status": "Failed", "error": f"Salesforce rejected the sync result: {exc}"}
        try:
            _post(res, record_id, failed, "Failed")
        except SyncError as second:
            _unreported(task, res, record_id, second)
            raise second from None
        deadletter.publish(record_id, task=task.name, kind=exc.kind, job_id=task.request.id)
        raise exc from None
    return {"record_id": record_id, "status": status, "reported": True}


def _post(res: Resources, record_id: str, result: dict, status: str) -> None:
    with timed_step(log, "callback", status=status):
        res.salesforce.post_callback(
            record_id,
            status,
            emr_patient_id=result.get("emr_patient_id") if status == "Synced" else None,
            changed_fields=result.get("changed_fields") or [],
            not_stored=result.get("not_stored") or [],
            error=result.get("error"),
        )


def _unreported(task: Task, res: Resources, record_id: str, exc: SyncError) -> None:
    """Salesforce could not be told: park the record and count it where operators look."""
    kind = deadletter.unreported(exc.kind)
    log.error("Salesforce could not be told", extra={"step": "callback", "kind": kind})
    deadletter.publish(record_id, task=task.name, kind=kind, job_id=task.request.id)
