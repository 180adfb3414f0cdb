"""``sync_patient(record_id)``: bring one EMR chart to the Salesforce record's current state.

At-least-once delivery, exactly-once effect: the job may run twice (a worker
killed mid-sync, a broker restart), so every step is idempotent — the portal
layer finds an existing chart by EMR id or name + DOB before creating one,
writes only fields that differ, and keys notes by their Salesforce id. A
per-record lock keeps two workers off the same chart.
"""

from __future__ import annotations

import logging
import random

from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from syncapp.backend import get_store
from syncapp.bundle import validate_bundle
from syncapp.errors import (
    InvalidBundle,
    PermanentError,
    PortalUnavailable,
    RetryableError,
    SessionCapReached,
    SyncError,
)
from syncapp.intake import queued_key
from syncapp.kv import LockNotAcquired
from syncapp.logs import log_context, timed_step
from syncapp.settings import get_settings
from syncapp.sfid import is_salesforce_id, to_18
from tasks import deadletter, resources
from tasks.celery_app import app

log = logging.getLogger("tasks.sync")
CREATED_TTL = 30 * 24 * 3600  # far longer than any retry or resync of a failed job


def backoff(retries: int) -> int:
    s = get_settings()
    return max(
        1,
        get_exponential_backoff_interval(
            s.sync_retry_backoff_base, retries, s.sync_retry_backoff_max, full_jitter=True
        ),
    )


def created_key(record_id: str) -> str:
    return f"sync:mrn:{record_id}"


def _run(record_id: str) -> dict:
    sf = resources.salesforce()
    with timed_step(log, "read_salesforce"):
        raw = sf.load_bundle(record_id)
    with timed_step(log, "validate"):
        bundle = validate_bundle(raw, record_id=record_id)
    store = get_store()
    # A chart we created for this record whose EMR id has not reached Salesforce yet
    # (the job died in between): find it by id, not by a name or DOB that may change.
    remembered = store.get(created_key(record_id))
    emr_patient_id = bundle.emr_patient_id or (remembered.decode() if remembered else None)
    portal = resources.portal()
    with timed_step(log, "portal_upsert"):
        result = portal.upsert(
            bundle,
            emr_patient_id=emr_patient_id,
            record_id=record_id,
            on_created=lambda mrn: store.set(created_key(record_id), mrn, CREATED_TTL),
        )
    return {
        "record_id": record_id,
        "status": "Synced",
        "emr_patient_id": result.emr_patient_id,
        "created": result.created,
        "changed_fields": list(result.changed_fields),
    }


def give_up(task, record_id: str, exc: SyncError) -> None:
    """Tell Salesforce why, park the record in the dead-letter queue, then fail the task."""
    from tasks.report import report_to_salesforce

    log.error(
        "sync failed for good",
        extra={
            "step": "give_up",
            "kind": exc.kind,
            "retryable": exc.retryable,
            "fields": exc.fields,
        },
    )
    deadletter.publish(record_id, task=task.name, kind=exc.kind, job_id=task.request.id)
    report_to_salesforce.apply_async(
        args=[
            {"record_id": record_id, "status": "Failed", "error": str(exc), "kind": exc.kind},
            record_id,
        ]
    )


@app.task(bind=True, name="tasks.sync_patient", max_retries=None)
def sync_patient(self, record_id: str) -> dict:
    """Sync one record; retryable failures back off, permanent ones end in a Failed callback."""
    settings = get_settings()
    with log_context(record_id=record_id, job_id=self.request.id):
        if not is_salesforce_id(record_id):
            exc = InvalidBundle("not a Salesforce record id", step="start")
            give_up(self, "invalid-id", exc)
            raise exc
        record_id = to_18(record_id)
        store = get_store()
        log.info("sync started", extra={"step": "start", "attempt": self.request.retries})
        # From here on a new notification for this record needs a job of its own:
        # this one may already have read the record.
        store.delete(queued_key(record_id))
        lock_name = f"sync:lock:{record_id}"
        failures_key = f"sync:failures:{self.request.id}"  # retryable failures of this job
        if store.get(lock_name) == (self.request.id or "").encode():
            store.delete(lock_name)  # our own lock, left by a run that was killed
        try:
            with store.lock(
                lock_name, timeout=settings.sync_lock_seconds, wait=30, token=self.request.id
            ):
                try:
                    result = _run(record_id)
                except SyncError:
                    raise  # typed and value-free; the portal client recycles its own browser
                except SoftTimeLimitExceeded:
                    resources.close_portal()
                    raise PortalUnavailable(
                        "job exceeded its time limit", step="time_limit"
                    ) from None
                except Exception as exc:  # foreign errors may quote data: keep the type only
                    resources.close_portal()
                    raise PortalUnavailable(
                        f"unexpected {type(exc).__name__}", step="sync"
                    ) from None
        except (LockNotAcquired, SessionCapReached) as exc:
            # Waiting for the chart's lock or for a licensed portal session is not a
            # failure: it does not spend the retry budget, however long it takes.
            log.info("sync waits its turn", extra={"step": "wait", "reason": type(exc).__name__})
            countdown = 1 + random.random() * settings.sync_retry_backoff_base
            raise self.retry(countdown=countdown, max_retries=self.request.retries + 1) from None
        except RetryableError as exc:
            failures = store.incr(failures_key, ttl=24 * 3600)
            if failures <= settings.sync_max_retries:
                log.warning(
                    "sync will retry",
                    extra={"step": "retry", "kind": exc.kind, "attempt": failures},
                )
                raise self.retry(
                    exc=exc, countdown=backoff(failures - 1), max_retries=self.request.retries + 1
                ) from None
            store.delete(failures_key)
            give_up(self, record_id, exc)
            raise exc from None
        except PermanentError as exc:
            give_up(self, record_id, exc)
            raise exc from None
        store.delete(failures_key)
        log.info(
            "sync done",
            extra={
                "step": "done",
                "emr_patient_id": result["emr_patient_id"],
                "chart_created": result["created"],
                "changed_fields": result["changed_fields"],
            },
        )
        if not (self.request.chain or self.request.callbacks):
            # Started by hand (``celery -A tasks call tasks.sync_patient``), not through
            # ``enqueue_sync``'s chain: Salesforce must still hear the outcome.
            from tasks.report import report_to_salesforce

            report_to_salesforce.apply_async(args=[result, record_id])
        return result
