"""``/__sandbox__/``: the test-only control and inspection API (no auth).

Tests and the demo use it to play clinic staff (enter a patient bundle), to
look at what the sync service did (callbacks, deliveries, the record's sync
fields) and to inject faults (expired tokens, outages, paused notifications).
Production code never calls it; nothing here exists in a real org.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.salesforce_org import bundle_map, schema
from sandbox.salesforce_org.errors import ApiError
from sandbox.salesforce_org.org import org

bp = Blueprint("sandbox_api", __name__, url_prefix="/__sandbox__")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be JSON")
    return body or {}


def _ok(**extra: Any) -> Response:
    return jsonify({"ok": True, **extra})


@bp.post("/patients")
def save_patient() -> Response:
    """Enter (or edit) a patient bundle as staff would, then notify (``?notify=0`` skips)."""
    the_org = org()
    result = bundle_map.save_bundle(the_org.records, _body())
    if request.args.get("notify", "1").lower() not in ("0", "false", "no"):
        the_org.notifier.enqueue(result["id"])
    resp = jsonify(result)
    resp.status_code = 201
    return resp


@bp.get("/patients/<record_id>")
def get_patient(record_id: str) -> Response:
    bundle = bundle_map.load_bundle(org().records, record_id)
    if bundle is None:
        raise ApiError(404, "NOT_FOUND", f"no patient {record_id}")
    return jsonify(bundle)


@bp.delete("/patients/<record_id>")
def delete_patient(record_id: str) -> Response:
    org().records.delete(schema.PATIENT, record_id)
    return _ok()


@bp.delete("/records/<record_id>")
def delete_record(record_id: str) -> Response:
    """Staff delete one record (a guardian, a coverage, a note): to the recycle bin.

    Like every delete here it raises no notification (workflow rules, and so
    Outbound Messages, do not fire on delete); ``queryAll`` still returns it.
    """
    obj = schema.object_for_id(record_id)
    if obj is None:
        raise ApiError(404, "NOT_FOUND", "no record with that id")
    org().records.delete(obj, record_id)
    return _ok()


@bp.get("/callbacks")
def callbacks() -> Response:
    return jsonify(org().store.read_log("callbacks"))


@bp.get("/deliveries")
def deliveries() -> Response:
    return jsonify(org().store.read_log("deliveries"))


@bp.post("/expire-tokens")
def expire_tokens() -> Response:
    org().store.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'")
    return _ok()


@bp.post("/revoke-all")
def revoke_all() -> Response:
    org().store.execute("UPDATE tokens SET revoked = 1")
    return _ok()


@bp.post("/down")
def down() -> Response:
    seconds = _body().get("seconds", 0)
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise ApiError(400, "BAD_REQUEST", "seconds must be a non-negative number")
    org().go_down(float(seconds))
    return _ok(down_for=float(seconds))


@bp.route("/config", methods=["GET", "POST"])
def runtime_config() -> Response:
    the_org = org()
    if request.method == "POST":
        try:
            the_org.runtime.update(_body())
        except (ValueError, TypeError) as exc:
            raise ApiError(400, "BAD_REQUEST", str(exc)) from None
        the_org.notifier.poke()
    return jsonify(the_org.runtime.snapshot())


@bp.post("/reset")
def reset() -> Response:
    """Forget records, notifications, deliveries and callbacks; restore runtime config.

    Tokens survive (clients stay logged in), and id counters keep counting so an
    id is never reused.
    """
    the_org = org()
    the_org.notifier.clear("records", "callbacks")
    the_org.runtime.reset()
    the_org.go_down(0)
    the_org.notifier.resume()
    return _ok()


@bp.post("/notifications/pause")
def pause() -> Response:
    org().notifier.pause()
    return _ok(paused=True)


@bp.post("/notifications/resume")
def resume() -> Response:
    org().notifier.resume()
    return _ok(paused=False)


@bp.get("/notifications/pending")
def pending() -> Response:
    notifier = org().notifier
    return jsonify({"pending": notifier.pending_count(), "paused": notifier.paused})


@bp.get("/tls-cert.pem")
def tls_cert() -> Response:
    """The self-signed certificate the org presents on TLS connections (trust it in clients)."""
    pem = org().settings.get("tls_cert_pem")
    if not pem:
        raise ApiError(404, "NOT_FOUND", "TLS is not enabled")
    return Response(pem, mimetype="application/x-pem-file")


@bp.get("/info")
def info() -> Response:
    the_org = org()
    settings = the_org.settings
    return jsonify(
        {
            "org_id": the_org.org_id,
            "user_id": the_org.user_id,
            "action_id": the_org.action_id,
            "client_id": settings["client_id"],
            "username": settings["username"],
            "instance_url": the_org.instance_url(),
            "db": settings["db"],
            "tls": bool(settings.get("tls_cert_pem")),
            **the_org.runtime.snapshot(),
        }
    )
