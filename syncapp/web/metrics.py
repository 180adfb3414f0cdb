"""``GET /metrics``: Prometheus text for scrapers, behind admin auth or ``METRICS_TOKEN``.

A scraper sends ``Authorization: Bearer <METRICS_TOKEN>``; a person uses the admin
basic auth. Series carry outcomes, steps and kinds, never record ids or values.
Celery's own internals are on Flower's ``/metrics``.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST

from syncapp.metrics.exposition import render
from syncapp.ops.live import gauges
from syncapp.web.admin import admin_required
from syncapp.web.ops_services import ops_services
from syncapp.web.services import services

bp = Blueprint("metrics", __name__)


def _bearer_ok() -> bool:
    token = ops_services().settings.metrics_token
    auth = request.headers.get("Authorization", "")
    if token is None or not auth.startswith("Bearer "):
        return False
    given = auth.removeprefix("Bearer ").strip().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given, token.get_secret_value().encode())


def _metrics() -> Response:
    s = services()
    body = render(
        ops_services().metric_store,
        lambda: gauges(s.backend, s.store, s.settings.emr_session_cap),
    )
    return Response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


_as_admin = admin_required(_metrics)


@bp.get("/metrics")
def metrics():
    if _bearer_ok():
        return _metrics()
    return _as_admin()
