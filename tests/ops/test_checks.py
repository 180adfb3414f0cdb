"""What the scheduled checks alert on: dead letters, a queue that stopped moving, drift."""

from __future__ import annotations

import json

from syncapp.kv import SQLiteStore
from syncapp.metrics.record import Metrics, field
from syncapp.metrics.store import SQLiteMetricStore
from syncapp.ops.checks import DRIFT_KEY, queue_alerts, record_drift
from syncapp.ops.schedule import ops_beat_schedule
from syncapp.opsconfig import OpsSettings


def _stores(tmp_path):
    return SQLiteStore(tmp_path / "s.sqlite"), SQLiteMetricStore(tmp_path / "m.sqlite")


def test_stalled_queue_alerts_only_after_the_threshold_without_progress(tmp_path):
    store, ms = _stores(tmp_path)

    def kinds(depth, now, dead=0):
        got = queue_alerts(store, ms, sync_depth=depth, dead_depth=dead, threshold=900, now=now)
        return [a.kind for a in got]

    assert kinds(3, now=1000) == []  # jobs waiting: the clock starts
    assert kinds(3, now=1800) == []
    assert kinds(3, now=1901) == ["queue_stalled"]
    Metrics(ms).gauge("last_attempt_timestamp", 1950)  # a worker finished an attempt
    assert kinds(3, now=2000) == []
    assert kinds(0, now=2100) == []  # drained: the clock resets
    assert kinds(2, now=5000) == []
    assert kinds(2, now=5000, dead=4) == ["dead_letters"]


def test_drift_result_is_kept_counted_and_alerted(tmp_path):
    store, ms = _stores(tmp_path)
    ok = {"portal": "demo_emr", "ok": True, "missing": [], "screens": ["LoginPage"]}
    assert record_drift(store, Metrics(ms), ok, at=100.0) is None
    assert ms.all()[field("g", "drift_check_ok")] == 1.0
    bad = {**ok, "ok": False, "missing": [{"page": "ChartPage", "selector": "_mrn", "locator": ""}]}
    alert = record_drift(store, Metrics(ms), bad, at=200.0)
    assert (alert.kind, alert.subject, alert.detail) == ("drift", "demo_emr", "ChartPage._mrn")
    assert ms.all()[field("g", "drift_check_ok")] == 0.0
    assert json.loads(store.get(DRIFT_KEY))["at"] == 200.0


def test_beat_schedule_follows_check_every():
    assert ops_beat_schedule(OpsSettings(check_every=15))["drift-check"]["schedule"] == 900.0
    assert "drift-check" not in ops_beat_schedule(OpsSettings(check_every=0))
