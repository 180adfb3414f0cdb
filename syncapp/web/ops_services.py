"""The web app's operations collaborators (audit trail, metric store), beside ``Services``.

Built by ``install`` (called by ``syncapp.web.ops.init_app``) from the app's ``Services`` and kept in ``app.extensions``
under their own key, so the status and metrics pages reach them the same way
other views reach theirs, and a test passes its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from syncapp.audit import AuditTrail, open_audit
from syncapp.metrics.record import Metrics
from syncapp.metrics.store import MetricStore, open_metric_store
from syncapp.opsconfig import OpsSettings, get_ops_settings
from syncapp.web.services import EXTENSION

OPS_EXTENSION = "sf_emr_sync_ops"


@dataclass
class OpsServices:
    settings: OpsSettings
    metric_store: MetricStore
    audit_trail: AuditTrail | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def metrics(self) -> Metrics:
        return Metrics(self.metric_store)

    @property
    def audit(self) -> AuditTrail:
        """Opened on first use: the web app starts even while the audit database is down."""
        with self._lock:
            if self.audit_trail is None:
                self.audit_trail = open_audit(
                    self.settings, current_app.extensions[EXTENSION].settings
                )
            return self.audit_trail


def install(
    app: Flask,
    *,
    settings: OpsSettings | None = None,
    metric_store: MetricStore | None = None,
    audit: AuditTrail | None = None,
) -> None:
    """Build the operations collaborators into ``app.extensions`` (after ``Services``)."""
    core = app.extensions[EXTENSION]
    app.extensions[OPS_EXTENSION] = OpsServices(
        settings=settings or get_ops_settings(),
        metric_store=metric_store or open_metric_store(core.backend, core.settings),
        audit_trail=audit,
    )


def ops_services() -> OpsServices:
    return current_app.extensions[OPS_EXTENSION]
