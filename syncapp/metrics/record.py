"""What workers (and the web app) count, into the shared metric store.

Every series is a field of one shared hash (``syncapp.metrics.store``), named
``kind|metric|label=value,...`` so that the exposition can rebuild Prometheus
families without a schema. Labels are outcomes, steps and failure kinds —
never a record id or a patient value. Recording never raises into a sync.
"""

from __future__ import annotations

import logging
import math
import time

from syncapp.metrics.store import MetricStore

log = logging.getLogger(__name__)

# Seconds. A portal step is 0.1-5 s; a cold browser start or a slow portal tens of seconds.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, math.inf)

STEP_ALIASES = {"start_session": "login"}  # starting the browser is mostly logging in
# Step names that are work of the sync; others (``upsert`` wrappers etc.) are skipped.
STEPS = frozenset(
    {
        "read_salesforce",
        "validate",
        "start_session",
        "search",
        "open_chart",
        "create_patient",
        "demographics",
        "guardians",
        "insurance",
        "notes",
        "portal_upsert",
        "callback",
    }
)


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={str(v).replace(',', '_').replace('=', '_')}" for k, v in labels.items())


def field(series: str, name: str, /, **labels: str) -> str:
    """``series`` is c (counter), g (gauge), h (histogram bucket) or hs (histogram sum)."""
    return f"{series}|{name}|{_labels(labels)}"


def le_text(le: float) -> str:
    return "+Inf" if le == math.inf else str(le)


class Metrics:
    """Counters, gauges and histograms kept in ``store``; every method swallows its errors."""

    def __init__(self, store: MetricStore) -> None:
        self.store = store

    def inc(self, name: str, amount: float = 1.0, /, **labels: str) -> None:
        """Add to counter ``name`` (exposed as ``emr_sync_<name>_total``)."""
        try:
            self.store.add(field("c", name, **labels), amount)
        except Exception:  # noqa: BLE001 - a metrics outage must not fail a sync
            log.warning("metric not recorded", extra={"step": "metrics", "kind": name})

    def gauge(self, name: str, value: float, /, **labels: str) -> None:
        """Set gauge ``name`` (exposed as ``emr_sync_<name>``)."""
        try:
            self.store.put(field("g", name, **labels), value)
        except Exception:  # noqa: BLE001
            log.warning("metric not recorded", extra={"step": "metrics", "kind": name})

    def observe(self, name: str, seconds: float, /, **labels: str) -> None:
        """Histogram ``name`` (``emr_sync_<name>_seconds``): cumulative buckets, sum, count."""
        fields = {
            field("h", name, **labels, le=le_text(le)): 1.0 for le in BUCKETS if seconds <= le
        }
        fields[field("hs", name, **labels)] = seconds
        try:
            self.store.add_many(fields)
        except Exception:  # noqa: BLE001
            log.warning("metric not recorded", extra={"step": "metrics", "kind": name})

    # --- observers for ``syncapp.steps`` -----------------------------------------------
    def on_step(self, step: str, seconds: float, ok: bool) -> None:
        """Step durations, browser starts, callback and token refresh failures."""
        if step == "token_refresh":
            if ok:
                self.gauge("token_last_refresh_timestamp", time.time())
            else:
                self.inc("token_refresh_failures")
            return
        if step == "start_session":
            self.inc("browser_starts")
        if step == "callback" and not ok:
            self.inc("callback_failures")
        if step in STEPS:
            self.observe("step_duration", seconds, step=STEP_ALIASES.get(step, step))

    def on_event(self, event: str) -> None:
        """Lock-screen recoveries and other ``steps.count`` events."""
        self.inc(event)
