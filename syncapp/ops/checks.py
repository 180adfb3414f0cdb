"""Periodic checks of what needs a person: a stalled queue, dead letters, selector drift.

Pure decisions over numbers read elsewhere (the scheduled tasks read the
broker and run the drift walk), so each rule is tested without a broker.
The queue's age is not something AMQP tells without consuming a message (and
peeking counts as a delivery on a quorum queue), so "older than the threshold"
is measured as: jobs have been waiting, and no attempt finished, for that long.
"""

from __future__ import annotations

import json
import time

from syncapp import keys
from syncapp.alerts import Alert
from syncapp.kv import KeyValueStore
from syncapp.metrics.record import Metrics, field
from syncapp.metrics.store import MetricStore

NONEMPTY_SINCE = "ops:queue:nonempty-since"
DRIFT_KEY = keys.DRIFT_LAST  # the last drift check's result: page object and selector names


def queue_alerts(
    store: KeyValueStore,
    metric_store: MetricStore,
    *,
    sync_depth: int,
    dead_depth: int,
    threshold: float,
    now: float | None = None,
) -> list[Alert]:
    """The alerts the queue depths call for now (``dispatch`` deduplicates them)."""
    now = time.time() if now is None else now
    out: list[Alert] = []
    if dead_depth > 0:
        out.append(Alert("dead_letters", "dead-letter-queue", f"{dead_depth} waiting"))
    if sync_depth <= 0:
        store.delete(NONEMPTY_SINCE)
        return out
    store.set_nx(NONEMPTY_SINCE, str(now), 7 * 24 * 3600)
    since = float(store.get(NONEMPTY_SINCE) or now)
    last = metric_store.all().get(field("g", "last_attempt_timestamp"), 0.0)
    waited = now - max(since, last)
    if waited > threshold:
        out.append(Alert("queue_stalled", "sync-queue", f"{sync_depth} jobs, {round(waited)}s"))
    return out


def record_drift(store: KeyValueStore, metrics: Metrics, report: dict, at: float) -> Alert | None:
    """Keep the drift report for the status page and the metrics; the alert if it failed."""
    store.set(DRIFT_KEY, json.dumps({**report, "at": at}))
    metrics.gauge("drift_check_ok", 1.0 if report["ok"] else 0.0)
    metrics.gauge("drift_check_timestamp", at)
    if report["ok"]:
        return None
    names = ", ".join(f"{m['page']}.{m['selector']}" for m in report["missing"][:5])
    return Alert("drift", report["portal"], names)
