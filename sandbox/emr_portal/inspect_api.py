"""``/__sandbox__/``: the test-only window into the portal (no login; never used by the sync).

It reports charts in the canonical bundle shape so that a test can compare
what Salesforce holds with what the EMR holds using one equality check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from . import records
from .db import get_db, transaction
from .faults import FaultError
from .request_log import request_log

bp = Blueprint("sandbox_inspect", __name__, url_prefix="/__sandbox__")


@bp.get("/")
def index() -> Any:
    return jsonify(
        {
            "endpoints": ["patients", "writes", "reset", "faults", "stats", "requests"],
            "portal": "Demo EMR",
        }
    )


@bp.get("/patients")
def patients() -> Any:
    return jsonify(records.all_bundles(get_db()))


def _as_utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace(" ", "+"))  # a '+' in a query string is a space
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@bp.get("/writes")
def writes() -> Any:
    rows = records.list_writes(get_db())
    since = request.args.get("since")
    if since:
        try:
            cutoff = _as_utc(since)
        except ValueError:
            return jsonify({"error": "since must be an ISO 8601 timestamp"}), 400
        rows = [r for r in rows if _as_utc(r["at"]) >= cutoff]
    return jsonify(rows)


@bp.post("/reset")
def reset() -> Any:
    with transaction() as conn:
        records.reset(conn)
    return jsonify({"ok": True})


@bp.route("/faults", methods=["GET", "POST"])
def faults() -> Any:
    knobs = current_app.extensions["emr_faults"]
    if request.method == "GET":
        return jsonify(knobs.snapshot())
    try:
        return jsonify(knobs.update(request.get_json(silent=True)))
    except FaultError as exc:
        return jsonify({"error": str(exc)}), 400


@bp.get("/stats")
def stats() -> Any:
    return jsonify(current_app.extensions["emr_stats"].snapshot())


@bp.get("/requests")
def requests_log() -> Any:
    """The portal's request log (no query strings), oldest first; ``?since=<unix time>``."""
    try:
        since = float(request.args.get("since", "0"))
    except ValueError:
        return jsonify({"error": "since must be a Unix time in seconds"}), 400
    return jsonify(request_log().since(since))
