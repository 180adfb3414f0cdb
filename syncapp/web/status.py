"""``GET /status`` for the person on call, and ``POST /status/resync`` behind its button.

Behind the admin auth. Shows the Salesforce connection, broker and workers, queue
and dead-letter depths, the drift check, failed records with a readable reason
and a Resync button, the last syncs and a per-day chart. Resync posts with a
CSRF token (and the admin guard checks the Origin); it goes through the same
intake as a webhook, so a burst of clicks coalesces into one job.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from datetime import UTC, datetime

from flask import Blueprint, Response, redirect, render_template_string, request, session, url_for

from syncapp import intake
from syncapp.errors import EnqueueFailed
from syncapp.metrics.record import field
from syncapp.ops.broker import depths, workers
from syncapp.ops.checks import DRIFT_KEY
from syncapp.ops.reasons import readable
from syncapp.sfid import is_salesforce_id, to_18
from syncapp.web.admin import admin_required
from syncapp.web.ops_services import ops_services
from syncapp.web.services import publisher, services
from syncapp.web.status_page import TEMPLATE, chart_svg

log = logging.getLogger(__name__)
bp = Blueprint("status", __name__)


def _csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _salesforce(stored: dict[str, float]) -> dict:
    token = services().tokens.load()
    return {
        "connected": token is not None,
        "org_id": token.org_id if token else None,
        "issued_at": token.issued_at_iso if token else None,
        "refresh_failures": int(stored.get(field("c", "token_refresh_failures"), 0)),
    }


def _drift() -> dict:
    raw = services().store.get(DRIFT_KEY)
    if raw is None:
        return {"text": "not run yet", "css": "warn"}
    last = json.loads(raw)
    when = datetime.fromtimestamp(last["at"], UTC).strftime("%Y-%m-%d %H:%M UTC")
    if last["ok"]:
        return {"text": f"every selector matches ({when})", "css": "ok"}
    names = ", ".join(f"{m['page']}.{m['selector']}" for m in last["missing"][:5])
    return {"text": f"DRIFT: {names} ({when})", "css": "bad"}


def _fmt(rows: list[dict]) -> list[dict]:
    for r in rows:
        at = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC)
        r["at"] = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        r["readable"] = readable(r.get("failure_kind"))
    return rows


@bp.get("/status")
@admin_required
def status():
    s, ops = services(), ops_services()
    recent, failing, days, audit_error = [], [], [], None
    try:
        audit = ops.audit
        recent = _fmt(audit.recent(ops.settings.status_recent))
        failing = _fmt(audit.failing())
        days = audit.per_day(ops.settings.status_chart_days)
    except Exception as exc:  # noqa: BLE001 - the page must still show the rest
        audit_error = type(exc).__name__
        log.error("audit trail unreadable", extra={"step": "status", "reason": audit_error})
    try:
        stored = ops.metric_store.all()
    except Exception:  # noqa: BLE001
        stored = {}
    resynced = request.args.get("resynced", "")
    html = render_template_string(
        TEMPLATE,
        sf=_salesforce(stored),
        depths=depths(s.backend),
        workers=workers(publisher()),
        drift=_drift(),
        recent=recent,
        failing=failing,
        chart=chart_svg(days),
        audit_error=audit_error,
        csrf=_csrf(),
        resynced=resynced if is_salesforce_id(resynced) else "",
    )
    return Response(html, 200, {"Cache-Control": "no-store"})


@bp.post("/status/resync")
@admin_required
def resync():
    expected = session.get("csrf", "")
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return Response("Missing or wrong CSRF token; reload /status and try again.\n", 400)
    record_id = request.form.get("record_id", "")
    if not is_salesforce_id(record_id):
        return Response("Not a Salesforce record id.\n", 400)
    record_id = to_18(record_id)
    try:
        intake.accept([(None, record_id)], store=services().store, enqueue=services().enqueue)
    except EnqueueFailed:
        return Response("The broker did not accept the job; try again shortly.\n", 503)
    log.info("resync requested", extra={"step": "resync", "record_id": record_id})
    return redirect(url_for("status.status", resynced=record_id), 303)
