"""``sync_patient(record_id)``: bring one EMR chart to the Salesforce record's current state.

At-least-once delivery, exactly-once effect: the job may run twice (a worker
killed mid-sync, a broker restart), so every step is idempotent — the portal
layer finds an existing chart by EMR id or name + DOB before creating one,
writes only fields that differ, and keys notes by their Salesforce id. A
per-record lock keeps two workers off the same chart; a job that finds it held
is requeued (the worker never waits), and a lock whose holder died is taken over.
A chart found by name + DOB is adopted only if no other Salesforce record owns it.
Failures follow ``tasks.policy``; an unreachable store or broker is never one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from portal_pages.adapters import get_adapter
from syncapp import keys
from syncapp.audit import pending as audit_pending
from syncapp.bundle import validate_bundle
from syncapp.enqueue import SYNC_TASK
from syncapp.errors import (
    DuplicatePatient,
    InvalidBundle,
    PermanentError,
    PortalUnavailable,
    RetryableError,
    SessionCapReached,
    SyncError,
)
from syncapp.kv import LockNotAcquired
from syncapp.logs import log_context, timed_step
from syncapp.sfid import is_salesforce_id, to_18
from tasks import holders, policy, resources
from tasks.celery_app import app
from tasks.resources import Resources

log = logging.getLogger("tasks.sync")
CREATED_TTL = 30 * 24 * 3600  # far longer than any retry or resync of a failed job


@app.task(bind=True, name=SYNC_TASK, max_retries=None)
def sync_patient(self: Task, record_id: str) -> dict:
    """Sync one record; retryable failures back off, permanent ones end in a Failed callback."""
    with log_context(record_id=record_id, job_id=self.request.id):
        res = resources.get()
        try:
            return _attempt(self, res, record_id)
        except policy.INFRASTRUCTURE as exc:
            raise policy.infrastructure_down(self, res.settings, exc) from None


def _attempt(task: Task, res: Resources, record_id: str) -> dict:
    """One run of the job: the steps, and what each kind of failure leads to."""
    record_id = _checked_id(task, record_id)
    log.info("sync started", extra={"step": "start", "attempt": task.request.retries})
    # From here on a new notification for this record needs a job of its own:
    # this one may already have read the record.
    res.store.delete(keys.queued(record_id))
    try:
        with _chart_lock(res, record_id, task.request.id or ""):
            result = _sync(res, record_id)
    except (LockNotAcquired, SessionCapReached) as exc:
        raise policy.wait_turn(task, exc) from None
    except RetryableError as exc:
        raise policy.retry_or_give_up(task, record_id, exc, res.store, res.settings) from None
    except PermanentError as exc:
        policy.give_up(task, record_id, exc)
        raise exc from None
    policy.succeeded(task, res.store)
    _log_done(result)
    if not (task.request.chain or task.request.callbacks):
        # Started by hand (``celery -A tasks call tasks.sync_patient``), not through
        # ``Enqueuer``'s chain: Salesforce must still hear the outcome.
        policy.report(task, result, record_id)
    return result


def _checked_id(task: Task, record_id: str) -> str:
    if not is_salesforce_id(record_id):
        exc = InvalidBundle("not a Salesforce record id", step="start")
        policy.give_up(task, "invalid-id", exc)
        raise exc
    return to_18(record_id)


@contextmanager
def _chart_lock(res: Resources, record_id: str, job_id: str) -> Iterator[None]:
    """One job per chart, without waiting: ``LockNotAcquired`` at once when it is held.

    A lock left by a killed run of this same job, or held by a process of this host
    that has exited, is cleared first; one held by a dead process elsewhere lapses
    within its short lease, which a live holder renews (``holders.renewed``).
    """
    name = keys.lock(record_id)
    holder = res.store.get(name)
    if holder is not None and (holders.tag_of(holder) == job_id or holders.is_dead(holder)):
        log.info("taking over a lock whose holder is gone", extra={"step": "lock"})
        res.store.delete(name)
    token = holders.identity(job_id)
    lease = res.settings.sync_lock_seconds
    with res.store.lock(name, timeout=lease, wait=0, token=token):
        with holders.renewed(res.store, name, token, lease):
            yield


def _sync(res: Resources, record_id: str) -> dict:
    """Read, validate, upsert; any foreign error becomes a typed, value-free one."""
    try:
        return _run(res, record_id)
    except SyncError:
        raise  # typed and value-free; the portal client recycles its own browser
    except policy.INFRASTRUCTURE:
        raise  # the store or broker, not the job: ``sync_patient`` requeues it
    except SoftTimeLimitExceeded:
        res.close_portal()
        raise PortalUnavailable("job exceeded its time limit", step="time_limit") from None
    except Exception as exc:  # foreign errors may quote data: keep the type only
        res.close_portal()
        raise PortalUnavailable(f"unexpected {type(exc).__name__}", step="sync") from None


def _run(res: Resources, record_id: str) -> dict:
    with timed_step(log, "read_salesforce"):
        raw, read_at = res.salesforce.read_bundle(record_id)
    if read_at is not None:  # the sweep: a change after this read is not in the EMR yet
        ttl = res.settings.sync_sweep_lookback_hours * 3600
        res.store.set(keys.read_at(record_id), repr(read_at), ttl)
    with timed_step(log, "validate"):
        # The adapter's value rules with the core's: the reason names every refused field.
        rules = getattr(get_adapter(res.settings.emr_portal), "bundle_problems", None)
        bundle = validate_bundle(raw, record_id=record_id, rules=rules)
    # A chart we created for this record whose EMR id has not reached Salesforce yet
    # (the job died in between): find it by id, not by a name or DOB that may change.
    remembered = res.store.get(keys.mrn(record_id))
    emr_patient_id = bundle.emr_patient_id or (remembered.decode() if remembered else None)
    portal = res.portal()
    with timed_step(log, "portal_upsert"):
        result = portal.upsert(
            bundle,
            emr_patient_id=emr_patient_id,
            record_id=record_id,
            on_created=lambda mrn: _remember_created(res, record_id, mrn),
            before_adopt=lambda mrn: _refuse_other_records_chart(res, record_id, mrn),
        )
    audit_pending.hold(result)  # field values for the encrypted audit row, not the result
    return {
        "record_id": record_id,
        "status": "Synced",
        "emr_patient_id": result.emr_patient_id,
        "created": result.created,
        "changed_fields": list(result.changed_fields),
        "not_stored": list(result.not_stored),
    }


def _remember_created(res: Resources, record_id: str, mrn: str) -> None:
    res.store.set(keys.mrn(record_id), mrn, CREATED_TTL)
    res.store.set(keys.mrn_owner(mrn), record_id, CREATED_TTL)


def _refuse_other_records_chart(res: Resources, record_id: str, mrn: str) -> None:
    """Before adopting a chart found by name + DOB: is it another record's? Then stop."""
    owner = (res.store.get(keys.mrn_owner(mrn)) or b"").decode()
    other = owner if owner and owner != record_id else None
    other = other or res.salesforce.other_record_with_emr_id(mrn, record_id)
    if other:
        raise DuplicatePatient(
            f"the EMR chart matching this patient belongs to Salesforce record {other}; "
            "merge the duplicate records in Salesforce, then resync",
            step="adopt_chart",
        )


def _log_done(result: dict) -> None:
    log.info(
        "sync done",
        extra={
            "step": "done",
            "emr_patient_id": result["emr_patient_id"],
            "chart_created": result["created"],
            "changed_fields": result["changed_fields"],
        },
    )
