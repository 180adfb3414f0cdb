"""The worker's side of operations: an audit row, metrics and alerts for every sync attempt.

Connected to Celery's task signals rather than written into the tasks, so that
the sync's own code stays about syncing: ``task_prerun`` starts collecting step
timings; ``task_success`` / ``task_retry`` / ``task_failure`` write the attempt
(outcome, failure kind, EMR id, encrypted field values); a failure for good
raises an alert. Recording never fails a job: errors are logged and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from celery import signals
from celery.exceptions import Retry

from syncapp import alerts, steps
from syncapp.audit import Attempt, AuditTrail, open_audit, pending
from syncapp.backend import choose, open_store
from syncapp.kv import KeyValueStore
from syncapp.metrics.record import Metrics
from syncapp.metrics.store import open_metric_store
from syncapp.opsconfig import OpsSettings, get_ops_settings
from syncapp.settings import get_settings
from syncapp.sfid import is_salesforce_id, to_18

log = logging.getLogger(__name__)
SYNC = "tasks.sync_patient"
REPORT = "tasks.report_to_salesforce"
_running: dict[str, tuple] = {}  # task id -> (start, steps token, timings)


@dataclass
class Ops:
    """This worker process's audit trail, metrics and alert settings (built on first use)."""

    settings: OpsSettings
    store: KeyValueStore
    metrics: Metrics
    _audit: AuditTrail | None = None

    @property
    def audit(self) -> AuditTrail:
        if self._audit is None:  # the database may be down at start: try again next time
            self._audit = open_audit(self.settings, get_settings())
        return self._audit

    def alert(self, alert: alerts.Alert) -> None:
        try:
            alerts.send(alert, settings=self.settings, store=self.store, metrics=self.metrics)
        except Exception as error:  # noqa: BLE001 - an alert outage must not fail the job
            log.warning("alert failed", extra={"step": "alert", "reason": type(error).__name__})


_ops: Ops | None = None
_ops_lock = threading.Lock()


def ops() -> Ops:
    global _ops
    with _ops_lock:
        if _ops is None:
            settings = get_settings()
            backend = choose(settings)
            metrics = Metrics(open_metric_store(backend, settings))
            _ops = Ops(get_ops_settings(), open_store(backend, settings), metrics)
            steps.add_observer(metrics.on_step)
            steps.add_event_observer(metrics.on_event)
        return _ops


def _record_id(args) -> str | None:
    if args and isinstance(args[0], str) and is_salesforce_id(args[0]):
        return to_18(args[0])
    return None


@signals.task_prerun.connect
def _started(task_id=None, task=None, **_kw) -> None:
    if task is not None and task.name in (SYNC, REPORT):
        ops()  # observers in place before the first step
    if task is not None and task.name == SYNC:
        timings, token = steps.begin()
        _running[task_id] = (time.monotonic(), token, timings)


@signals.task_postrun.connect
def _finished(task_id=None, task=None, **_kw) -> None:
    state = _running.pop(task_id, None)
    if state is not None:
        try:
            steps.end(state[1])
        except ValueError:  # token from another context: nothing to reset
            pass
    pending.take()


def _write(task, outcome: str, *, result: dict | None = None, exc: BaseException | None = None):
    req = task.request
    record_id = _record_id(req.args)
    start, _, timings = _running.get(req.id, (time.monotonic(), None, {}))
    o = ops()
    o.metrics.inc("jobs", outcome=outcome)
    o.metrics.gauge("last_attempt_timestamp", time.time())  # progress, for the stalled-queue alert
    if record_id is None:
        return
    changes, not_stored = pending.take() if outcome == "synced" else ((), [])
    attempt = Attempt(
        record_id=record_id,
        outcome=outcome,
        job_id=req.id,
        attempt=req.retries or 0,
        emr_patient_id=(result or {}).get("emr_patient_id"),
        chart_created=bool((result or {}).get("created")),
        failure_kind=getattr(exc, "kind", type(exc).__name__ if exc else None),
        reason=str(exc) if exc is not None and hasattr(exc, "kind") else None,
        not_stored=list((result or {}).get("not_stored") or not_stored),
        timings=dict(timings),
        duration=time.monotonic() - start,
        changes=changes,
    )
    try:
        o.audit.record(attempt)
    except Exception as error:  # noqa: BLE001 - counted; /metrics and the status page show it
        o.metrics.inc("audit_write_failures")
        log.error(
            "audit row not written",
            extra={"step": "audit", "record_id": record_id, "reason": type(error).__name__},
        )


@signals.task_success.connect
def _succeeded(sender=None, result=None, **_kw) -> None:
    if sender is not None and sender.name == SYNC:
        _write(sender, "synced", result=result if isinstance(result, dict) else None)


@signals.task_retry.connect
def _retrying(sender=None, reason=None, **_kw) -> None:
    if sender is None:
        return
    exc = reason.exc if isinstance(reason, Retry) else reason
    if sender.name == REPORT:
        return  # counted as a callback failure by the step observer
    if sender.name == SYNC and exc is not None:  # ``exc`` None: waiting for a lock or a slot
        ops().metrics.inc("retries")
        _write(sender, "retrying", exc=exc)


@signals.task_failure.connect
def _failed(sender=None, exception=None, args=None, **_kw) -> None:
    if sender is None or sender.name not in (SYNC, REPORT):
        return
    record_id = _record_id(args) if sender.name == SYNC else _record_id((args or [None])[1:])
    if sender.name == SYNC:
        _write(sender, "failed", exc=exception)
    kind = getattr(exception, "kind", type(exception).__name__)
    if kind == "reauthorization_required":
        ops().alert(alerts.Alert("token_refresh", "salesforce", kind))
    ops().alert(alerts.Alert("record_failed", record_id or "unknown", kind))


def dead_lettered(record_id: str | None, kind: str) -> None:
    """A record parked by RabbitMQ (delivery limit), where no task code ran: audit and alert.

    Called by the dead-letter watcher (``tasks.deadletter``); a task that gave up
    itself was already recorded by ``_failed``.
    """
    o = ops()
    o.metrics.inc("jobs", outcome="failed")
    if record_id and is_salesforce_id(record_id):
        try:
            o.audit.record(Attempt(record_id=to_18(record_id), outcome="failed", failure_kind=kind))
        except Exception as error:  # noqa: BLE001 - counted; the alert still goes out
            o.metrics.inc("audit_write_failures")
            log.error(
                "audit row not written", extra={"step": "audit", "reason": type(error).__name__}
            )
    o.alert(alerts.Alert("record_failed", record_id or "unknown", kind))
