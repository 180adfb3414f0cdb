"""``report_to_salesforce``: post the outcome of a sync to the Apex REST callback.

Chained after ``sync_patient`` (and sent directly by it when a sync fails for
good). The callback writes only the sync fields, which Salesforce's trigger and
Outbound Message criteria ignore, so reporting never starts another sync.
"""

from __future__ import annotations

import logging

from syncapp.errors import PermanentError, RetryableError
from syncapp.logs import log_context, timed_step
from syncapp.settings import get_settings
from tasks import deadletter, resources
from tasks.celery_app import app

log = logging.getLogger("tasks.report")


@app.task(bind=True, name="tasks.report_to_salesforce", max_retries=None)
def report_to_salesforce(self, result: dict, record_id: str) -> dict:
    """Send ``result`` (status, EMR id, changed field names or error text) to Salesforce."""
    from tasks.sync import backoff

    settings = get_settings()
    status = result.get("status", "Failed")
    with log_context(record_id=record_id, job_id=self.request.id):
        try:
            with timed_step(log, "callback", status=status):
                resources.salesforce().post_callback(
                    record_id,
                    status,
                    emr_patient_id=result.get("emr_patient_id"),
                    changed_fields=result.get("changed_fields") or [],
                    error=result.get("error"),
                )
        except RetryableError as exc:
            if self.request.retries < settings.sync_max_retries:
                raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from None
            deadletter.publish(record_id, task=self.name, kind=exc.kind, job_id=self.request.id)
            raise exc from None
        except PermanentError as exc:
            log.error("callback rejected", extra={"step": "callback", "kind": exc.kind})
            deadletter.publish(record_id, task=self.name, kind=exc.kind, job_id=self.request.id)
            raise exc from None
        return {"record_id": record_id, "status": status, "reported": True}
