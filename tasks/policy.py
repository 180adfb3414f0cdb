"""What a job does when it fails: wait its turn, back off and retry, or give up for good.

Both tasks use this one policy:

* **Waiting** (a chart's lock, a licensed session) is not failing: the job is
  requeued with a short countdown, spends no retry budget and never parks the worker.
* **Infrastructure down** (Redis, RabbitMQ, the embedded SQLite files): nothing is
  wrong with the job, so it is retried with backoff without spending its budget; if
  even the retry cannot be published, the message is rejected back to its queue.
  Never a failure: a failed job's message is acknowledged, and would be lost.
* **Retryable failures** back off exponentially (doubling from
  ``SYNC_RETRY_BACKOFF_BASE`` to ``SYNC_RETRY_BACKOFF_MAX``, each delay at least half
  its nominal value) for ``SYNC_MAX_RETRIES`` tries — by default over 20 minutes,
  longer than a realistic outage of the org or the portal.
* **Giving up** means three things, always together: the log says why (kind and
  field names, never values), the record is parked in the dead-letter queue for
  ``celery -A tasks resync --failed``, and Salesforce is told ``Failed`` with the
  reason — by task name (``tasks.report_to_salesforce``), so this module needs
  neither task module.
"""

from __future__ import annotations

import logging
import random
import sqlite3

import redis
from celery import Task
from celery.exceptions import Reject, Retry
from kombu.exceptions import OperationalError

from syncapp.enqueue import REPORT_TASK
from syncapp.errors import RetryableError, SyncError
from syncapp.keys import failures
from syncapp.kv import KeyValueStore
from syncapp.settings import Settings
from tasks import deadletter

log = logging.getLogger("tasks.policy")
FAILURES_TTL = 24 * 3600
WAIT_COUNTDOWN = (2.0, 10.0)  # seconds before a job that waits its turn runs again

# The store or the broker is unreachable: not the job's fault, never its failure.
INFRASTRUCTURE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a replica during failover
    OperationalError,  # kombu: the broker
    sqlite3.OperationalError,  # the embedded store or broker: locked, disk full
)


def _nominal(settings: Settings, retries: int) -> float:
    return min(
        float(settings.sync_retry_backoff_max),
        settings.sync_retry_backoff_base * 2 ** min(retries, 30),
    )


def backoff(settings: Settings, retries: int) -> int:
    """Seconds before retry number ``retries`` (0-based): nominal/2 + up to nominal/2."""
    nominal = _nominal(settings, retries)
    return max(1, round(nominal / 2 + random.random() * nominal / 2))


def shortest_retry_span(settings: Settings) -> float:
    """The least time ``SYNC_MAX_RETRIES`` retries can take (every jitter at its lowest)."""
    return sum(_nominal(settings, i) / 2 for i in range(settings.sync_max_retries))


def wait_turn(task: Task, reason: Exception) -> Exception:
    """Requeue a job that waits for a chart's lock or a licensed session (no budget spent)."""
    log.info("sync waits its turn", extra={"step": "wait", "reason": type(reason).__name__})
    return _retry(task, random.uniform(*WAIT_COUNTDOWN))


def infrastructure_down(task: Task, settings: Settings, exc: BaseException) -> Exception:
    """Retry later without spending the budget; reject back to the queue if that fails."""
    log.warning(
        "infrastructure unavailable; job will run again",
        extra={"step": "retry", "reason": type(exc).__name__},
    )
    # Capped low: once the store or broker is back, queued jobs resume within minutes.
    return _retry(task, backoff(settings, min(task.request.retries, 3)))


def _retry(task: Task, countdown: float) -> Exception:
    try:
        return task.retry(countdown=countdown, max_retries=task.request.retries + 1)
    except Retry as retry:
        return retry
    except INFRASTRUCTURE:
        # The broker did not take the retry: keep the original message instead.
        return Reject("retry could not be published", requeue=True)


def retry_or_give_up(
    task: Task, record_id: str, exc: RetryableError, store: KeyValueStore, settings: Settings
) -> Exception:
    """Retry with backoff while this job's budget lasts; then give up. Returns what to raise."""
    key = failures(task.request.id or "")
    count = store.incr(key, ttl=FAILURES_TTL)
    if count <= settings.sync_max_retries:
        log.warning("sync will retry", extra={"step": "retry", "kind": exc.kind, "attempt": count})
        try:
            return task.retry(
                exc=exc,
                countdown=backoff(settings, count - 1),
                max_retries=task.request.retries + 1,
            )
        except Retry as retry:
            return retry
    store.delete(key)
    give_up(task, record_id, exc)
    return exc


def succeeded(task: Task, store: KeyValueStore) -> None:
    store.delete(failures(task.request.id or ""))


def give_up(task: Task, record_id: str, exc: SyncError) -> None:
    """Tell Salesforce why and park the record in the dead-letter queue."""
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
    report(task, {"record_id": record_id, "status": "Failed", "error": str(exc), "kind": exc.kind})


def report(task: Task, result: dict, record_id: str | None = None) -> None:
    """Send ``result`` to Salesforce through ``tasks.report_to_salesforce``."""
    rid = record_id or result["record_id"]
    task.app.signature(REPORT_TASK, args=(result, rid)).apply_async()
