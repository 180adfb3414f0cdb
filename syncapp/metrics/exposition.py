"""``GET /metrics``: the workers' counters from the shared store, plus live gauges.

A custom prometheus-client collector rebuilds the families from the store's
fields at scrape time and adds what is read live (queue depths, session slots).
For Celery's own internals (task events, worker pools) scrape Flower's
``/metrics`` instead; nothing here copies them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from syncapp.metrics.record import BUCKETS, le_text
from syncapp.metrics.store import MetricStore

PREFIX = "emr_sync_"
HELP = {
    "jobs": "Sync attempts by outcome (synced, retrying, failed).",
    "retries": "Retryable failures that were retried.",
    "lock_screen_recoveries": "Times the portal's idle lock screen was cleared.",
    "browser_starts": "Browser sessions started (first start and every restart).",
    "callback_failures": "Failed attempts to report an outcome to Salesforce.",
    "token_refresh_failures": "Salesforce token refreshes that failed.",
    "alerts": "Alerts delivered, by channel and kind.",
    "alerts_suppressed": "Alerts not sent (duplicate or over the rate limit).",
    "audit_write_failures": "Attempts whose audit row could not be written.",
    "dead_letters": "Records parked in the dead-letter queue, by failure kind.",
    "step_duration": "Duration of each sync step.",
    "token_last_refresh_timestamp": "Unix time of the last successful token refresh.",
    "drift_check_ok": "1 if the last selector-drift check found every selector, else 0.",
    "drift_check_timestamp": "Unix time of the last selector-drift check.",
}


def _parse(labels: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in labels.split(",") if p)


def stored_families(values: dict[str, float]) -> Iterator[Metric]:
    """Rebuild counter, gauge and histogram families from ``kind|name|labels`` fields."""
    series: dict[tuple[str, str], list[tuple[dict[str, str], float]]] = defaultdict(list)
    for key, value in values.items():
        kind, name, labels = key.split("|", 2)
        series[(kind, name)].append((_parse(labels), value))
    for (kind, name), points in sorted(series.items()):
        doc = HELP.get(name, name)
        names = sorted({k for labels, _ in points for k in labels})
        if kind == "c":
            fam = CounterMetricFamily(PREFIX + name, doc, labels=names)
            for labels, v in points:
                fam.add_metric([labels.get(n, "") for n in names], v)
            yield fam
        elif kind == "g":
            fam = GaugeMetricFamily(PREFIX + name, doc, labels=names)
            for labels, v in points:
                fam.add_metric([labels.get(n, "") for n in names], v)
            yield fam
        elif kind == "h":
            yield _histogram(name, doc, points, series.get(("hs", name), []))
        # "hs" (sums) are read by _histogram


def _histogram(name: str, doc: str, points, sum_points) -> Metric:
    names = sorted({k for labels, _ in points for k in labels if k != "le"})
    fam = HistogramMetricFamily(PREFIX + name + "_seconds", doc, labels=names)
    groups: dict[tuple, dict[str, float]] = defaultdict(dict)
    for labels, v in points:
        groups[tuple(labels.get(n, "") for n in names)][labels["le"]] = v
    sums = {tuple(labels.get(n, "") for n in names): v for labels, v in sum_points}
    for key, by_le in sorted(groups.items()):
        buckets = []
        for le in BUCKETS:
            buckets.append((le_text(le), by_le.get(le_text(le), 0.0)))
        fam.add_metric(list(key), buckets, sums.get(key, 0.0))
    return fam


class OpsCollector:
    """Collects stored series and the ``live()`` gauges at every scrape."""

    def __init__(
        self, store: MetricStore, live: Callable[[], Iterator[Metric]] | None = None
    ) -> None:
        self.store, self.live = store, live

    def collect(self) -> Iterator[Metric]:
        yield from stored_families(self.store.all())
        if self.live is not None:
            yield from self.live()


def render(store: MetricStore, live: Callable[[], Iterator[Metric]] | None = None) -> bytes:
    """The Prometheus text exposition of everything above."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OpsCollector(store, live))
    return generate_latest(registry)
