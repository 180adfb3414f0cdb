"""Gauges read at scrape time: queue depths, session slots, broker and workers.

What is true *now* is read now rather than counted: a depth or a slot count kept
as a counter drifts the first time a worker dies between two updates.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from syncapp import keys
from syncapp.backend import Backend
from syncapp.kv import KeyValueStore
from syncapp.ops.broker import Depths, depths


def slots_in_use(store: KeyValueStore, cap: int) -> int:
    return sum(1 for i in range(cap) if store.get(keys.slot(i)) is not None)


def gauges(backend: Backend, store: KeyValueStore, cap: int) -> Iterator[Metric]:
    d: Depths = depths(backend)
    up = GaugeMetricFamily("emr_sync_broker_up", "1 if the broker answered this scrape.")
    up.add_metric([], 1.0 if d.reachable else 0.0)
    yield up
    if d.reachable:
        q = GaugeMetricFamily("emr_sync_queue_depth", "Jobs waiting, by queue.", labels=["queue"])
        q.add_metric(["sync"], d.sync)
        q.add_metric(["report"], d.report)
        yield q
        dead = GaugeMetricFamily(
            "emr_sync_dead_letter_depth", "Records parked in the dead-letter queue."
        )
        dead.add_metric([], d.dead)
        yield dead
    try:
        used = slots_in_use(store, cap)
    except Exception:  # noqa: BLE001 - the store being down shows as a missing series
        return
    s = GaugeMetricFamily("emr_sync_session_slots_in_use", "Licensed portal sessions held.")
    s.add_metric([], used)
    yield s
    c = GaugeMetricFamily(
        "emr_sync_session_slots_cap", "Licensed portal sessions (EMR_SESSION_CAP)."
    )
    c.add_metric([], cap)
    yield c
