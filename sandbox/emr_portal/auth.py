"""Staff login, server-side sessions, CSRF, session expiry and the idle lock screen.

Session state lives in SQLite rather than in a signed cookie so that every
server thread sees the same ``last_activity`` and lock state, and so that a
session can be expired or locked by the server like a real portal does. The
cookie carries only an opaque id.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)

from .db import get_db
from .faults import current_faults, is_exempt

COOKIE = "emr_session"
CSRF_HEADER = "X-CSRF-Token"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WHATS_NEW_NONE, WHATS_NEW_PENDING, WHATS_NEW_DISMISSED = 0, 1, 2

bp = Blueprint("auth", __name__)


@dataclass
class PortalSession:
    id: str
    csrf_token: str
    username: str | None
    created_at: float
    login_at: float | None
    last_activity: float
    whats_new: int


def _load_session() -> PortalSession | None:
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    row = get_db().execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
    return PortalSession(**dict(row)) if row else None


def _state(sess: PortalSession | None, now: float) -> str:
    """One of ``anonymous``, ``expired``, ``locked``, ``active`` (expiry wins over lock)."""
    if sess is None or sess.username is None or sess.login_at is None:
        return "anonymous"
    knobs = current_faults()
    if now - sess.login_at > knobs["session_seconds"]:
        return "expired"
    if now - sess.last_activity > knobs["idle_lock_seconds"]:
        return "locked"
    return "active"


def _before_request() -> None:
    """Work out the session's state once; only an unlocked request counts as activity."""
    if is_exempt(request.path):
        return
    now = time.time()
    sess = _load_session()
    g.portal_session = sess
    g.session_state = _state(sess, now)
    if g.session_state == "active" and sess is not None:
        get_db().execute("UPDATE sessions SET last_activity = ? WHERE id = ?", (now, sess.id))
        sess.last_activity = now


def _after_request(response: Response) -> Response:
    """The JS reads the current idle timeout from here, so a changed knob reaches open pages."""
    if not is_exempt(request.path):
        response.headers["X-Idle-Lock-Seconds"] = str(current_faults()["idle_lock_seconds"])
        response.headers["Cache-Control"] = "no-store"
    return response


def _create_session(username: str | None, whats_new: int = WHATS_NEW_NONE) -> PortalSession:
    now = time.time()
    sess = PortalSession(
        id=secrets.token_urlsafe(32),
        csrf_token=secrets.token_urlsafe(32),
        username=username,
        created_at=now,
        login_at=now if username else None,
        last_activity=now,
        whats_new=whats_new,
    )
    get_db().execute(
        "INSERT INTO sessions (id, csrf_token, username, created_at, login_at, last_activity,"
        " whats_new) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            sess.id,
            sess.csrf_token,
            sess.username,
            sess.created_at,
            sess.login_at,
            sess.last_activity,
            sess.whats_new,
        ),
    )
    return sess


def _set_cookie(response: Response, sess: PortalSession) -> None:
    response.set_cookie(COOKIE, sess.id, httponly=True, samesite="Lax", path="/")


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect on a login page is a phishing gift."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/patients"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/patients"
    return target


def login_url(next_path: str | None = None, *, expired: bool = False) -> str:
    params: dict[str, str] = {}
    if next_path:
        params["next"] = next_path
    if expired:
        params["expired"] = "1"
    return "/login" + ("?" + urlencode(params) if params else "")


def _request_path() -> str:
    qs = request.query_string.decode("latin-1")
    return request.path + ("?" + qs if qs else "")


def page_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages send anonymous and expired sessions to the login page (302)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = g.get("session_state", "anonymous")
        if state == "anonymous":
            return redirect(login_url(_request_path()))
        if state == "expired":
            return redirect(login_url(_request_path(), expired=True))
        return view(*args, **kwargs)

    return wrapper


def api_login_required(*, allow_locked: bool = False) -> Callable[..., Any]:
    """API: 401 when not logged in or expired, 400 without CSRF on writes, 423 when locked."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            state = g.get("session_state", "anonymous")
            if state == "anonymous":
                return jsonify({"error": "not_authenticated"}), 401
            if state == "expired":
                return jsonify({"error": "session_expired"}), 401
            if request.method in WRITE_METHODS:
                if not _same(request.headers.get(CSRF_HEADER), g.portal_session.csrf_token):
                    return jsonify({"error": "csrf"}), 400
                if state == "locked" and not allow_locked:
                    return jsonify({"error": "locked"}), 423
            return view(*args, **kwargs)

        return wrapper

    return decorate


@bp.get("/login")
def login_form() -> Response:
    sess = g.portal_session
    fresh = sess is None
    if fresh:
        sess = _create_session(None)
    response = make_response(_render_login(sess))
    if fresh:
        _set_cookie(response, sess)
    return response


def _render_login(sess: PortalSession, *, error: bool = False, status: int = 200) -> Any:
    return (
        render_template(
            "login.html",
            csrf_token=sess.csrf_token,
            next=safe_next(request.values.get("next")),
            expired=request.args.get("expired") == "1",
            error=error,
        ),
        status,
    )


@bp.post("/login")
def login_submit() -> Any:
    sess = g.portal_session
    if sess is None or not _same(request.form.get("csrf_token"), sess.csrf_token):
        return render_template("error.html", bad_request=True), 400
    cfg = current_app.config
    user_ok = _same(request.form.get("username", ""), cfg["EMR_USERNAME"])
    pass_ok = _same(request.form.get("password", ""), cfg["EMR_PASSWORD"])
    if not (user_ok and pass_ok):
        return _render_login(sess, error=True)
    rate = current_faults()["whats_new_rate"]
    with current_app.extensions["emr_random_lock"]:
        show = rate > 0 and current_app.extensions["emr_random"].random() < rate
    db = get_db()
    db.execute("DELETE FROM sessions WHERE id = ?", (sess.id,))  # no session fixation
    new = _create_session(cfg["EMR_USERNAME"], WHATS_NEW_PENDING if show else WHATS_NEW_NONE)
    current_app.extensions["emr_stats"].incr("logins")
    response = redirect(safe_next(request.form.get("next")))
    _set_cookie(response, new)
    return response


@bp.post("/logout")
def logout() -> Any:
    sess = g.portal_session
    if sess is None or not _same(request.form.get("csrf_token"), sess.csrf_token):
        return render_template("error.html", bad_request=True), 400
    get_db().execute("DELETE FROM sessions WHERE id = ?", (sess.id,))
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@bp.post("/api/unlock")
@api_login_required(allow_locked=True)
def unlock() -> Any:
    body = request.get_json(silent=True) or {}
    if not _same(body.get("password"), current_app.config["EMR_PASSWORD"]):
        return jsonify({"error": "wrong_password"}), 403
    now = time.time()
    get_db().execute(
        "UPDATE sessions SET last_activity = ? WHERE id = ?", (now, g.portal_session.id)
    )
    return jsonify({"ok": True})


@bp.post("/api/whats-new/dismiss")
@api_login_required()
def dismiss_whats_new() -> Any:
    get_db().execute(
        "UPDATE sessions SET whats_new = ? WHERE id = ?",
        (WHATS_NEW_DISMISSED, g.portal_session.id),
    )
    return jsonify({"ok": True})


def _template_context() -> dict[str, Any]:
    sess: PortalSession | None = g.get("portal_session")
    return {
        "csrf_token": sess.csrf_token if sess else "",
        "staff_user": sess.username if sess else None,
        "locked": g.get("session_state") == "locked",
        "whats_new_open": bool(sess and sess.whats_new == WHATS_NEW_PENDING),
        "idle_lock_seconds": current_faults()["idle_lock_seconds"],
    }


def init_auth(app: Flask) -> None:
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.context_processor(_template_context)
    app.register_blueprint(bp)
