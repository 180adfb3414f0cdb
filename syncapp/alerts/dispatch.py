"""Deciding whether to send an alert now (dedupe, rate limit) and sending it everywhere.

The shared store (Redis, or SQLite when embedded) holds the dedupe markers and
the per-channel hourly counters, so every worker and the web app share them.
Sending never raises: an alert channel being down is logged and counted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from syncapp import keys
from syncapp.alerts.channels import Channel, configured
from syncapp.kv import KeyValueStore
from syncapp.metrics.record import Metrics
from syncapp.opsconfig import OpsSettings

log = logging.getLogger(__name__)

# kind -> what it means, in one line (the README's Operations section says what to do)
KINDS = {
    "record_failed": "a record failed for good and is parked in the dead-letter queue",
    "dead_letters": "records are waiting in the dead-letter queue",
    "drift": "the selector-drift check found page elements that no longer match",
    "token_refresh": "the Salesforce token could not be refreshed; reconnect at /oauth/login",
    "queue_stalled": "sync jobs have waited longer than the threshold",
}


@dataclass(frozen=True)
class Alert:
    """``subject``: a record id, a check name or a queue — never a patient value."""

    kind: str
    subject: str
    detail: str = ""  # a failure kind or selector name

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}")

    def text(self) -> tuple[str, str, dict]:
        title = f"[sf-emr-sync] {self.kind}: {self.subject}"
        body = (
            f"{KINDS[self.kind]}.\n\nkind: {self.kind}\nsubject: {self.subject}\n"
            f"detail: {self.detail or '-'}\n\nWhat to do: README, section Operations.\n"
        )
        payload = {"kind": self.kind, "subject": self.subject, "detail": self.detail}
        return title, body, payload


def send(
    alert: Alert,
    *,
    settings: OpsSettings,
    store: KeyValueStore,
    metrics: Metrics | None = None,
    channels: list[Channel] | None = None,
) -> list[str]:
    """Send ``alert`` unless it is a duplicate; return the channels that delivered it."""
    s = settings
    channels = configured(s) if channels is None else channels
    if not channels:
        return []
    dedupe = f"alert:sent:{alert.kind}:{alert.subject}"
    if s.alert_dedupe_seconds and not store.set_nx(dedupe, "1", s.alert_dedupe_seconds):
        if metrics:
            metrics.inc("alerts_suppressed", reason="duplicate", kind=alert.kind)
        return []
    title, body, payload = alert.text()
    delivered = []
    hour = int(time.time() // 3600)
    for ch in channels:
        if store.incr(keys.alert_rate(ch.name, hour), ttl=3700) > s.alert_rate_per_hour:
            if metrics:
                metrics.inc("alerts_suppressed", reason="rate_limit", kind=alert.kind)
            continue
        try:
            ch.deliver(title, body, payload)
        except Exception as exc:  # noqa: BLE001 - one channel down must not stop the others
            log.warning(
                "alert not delivered",
                extra={"step": "alert", "kind": alert.kind, "reason": type(exc).__name__},
            )
            continue
        delivered.append(ch.name)
        if metrics:
            metrics.inc("alerts", channel=ch.name, kind=alert.kind)
    if not delivered and s.alert_dedupe_seconds:
        store.delete(dedupe)  # nothing went out: let the next occurrence try again
    log.info(
        "alert sent" if delivered else "alert not sent",
        extra={"step": "alert", "kind": alert.kind, "count": len(delivered)},
    )
    return delivered
