"""Liveness and readiness, for load balancers and ``make up``.

``/healthz`` says the web process answers (liveness: restart it if not).
``/readyz`` says it can accept notifications now: the broker takes a connection
and the shared store answers. While either is unreachable it is 503, so a load
balancer sends Salesforce elsewhere — and the webhook, which acknowledges only
what is stored, would answer 503 anyway.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from syncapp import keys
from syncapp.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    svc = services()
    checks = {"store": _store_ok(), "broker": _broker_ok(svc.enqueue)}
    ready = all(checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


def _store_ok() -> bool:
    try:
        services().store.get(keys.READINESS_PROBE)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.warning("store unreachable", extra={"step": "readyz", "reason": type(exc).__name__})
        return False
    return True


def _broker_ok(enqueue: object) -> bool:
    check = getattr(enqueue, "check_broker", None)
    if check is None:
        return True  # a publisher without a broker of its own (a test's)
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.warning("broker unreachable", extra={"step": "readyz", "reason": type(exc).__name__})
        return False
    return True
