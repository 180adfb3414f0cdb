"""OAuth 2.0 as Salesforce speaks it: authorize, token, revoke, identity.

Flows: web-server (authorization code, with PKCE S256), refresh token, and the
username-password grant. Response fields, error codes and descriptions are
Salesforce's, because clients (requests-oauthlib, simple-salesforce, the sync
service's token store) key their behaviour on them: ``invalid_grant`` with
"expired access/refresh token" is how a client learns it must re-authorize.

Tokens are stored as SHA-256 hashes; only the client ever holds the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request

from sandbox.salesforce_org import ids
from sandbox.salesforce_org.errors import invalid_session
from sandbox.salesforce_org.notifier import API_VERSION
from sandbox.salesforce_org.org import Org, org

bp = Blueprint("oauth", __name__)

CODE_SECONDS = 15 * 60  # Salesforce authorization codes are valid for 15 minutes
DEFAULT_SCOPE = "api refresh_token"
_TEST_REDIRECT = re.compile(r"^http://127\.0\.0\.1:\d{1,5}/oauth/callback$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    resp = jsonify({"error": error, "error_description": description})
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def redirect_allowed(the_org: Org, uri: str) -> bool:
    allowed = [u.strip() for u in the_org.settings["redirect_uris"].split(",") if u.strip()]
    return uri in allowed or bool(_TEST_REDIRECT.match(uri))


# --- access checks used by the API blueprints -------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return None


def token_row(the_org: Org, token: str | None, kind: str = "access") -> dict[str, Any] | None:
    """The live token row for ``token``: known, not revoked, not expired."""
    if not token:
        return None
    rows = the_org.store.execute(
        "SELECT * FROM tokens WHERE hash = ? AND kind = ? AND revoked = 0", (_hash(token), kind)
    )
    if not rows:
        return None
    row = dict(rows[0])
    if row["expires_at"] is not None and row["expires_at"] <= time.time():
        return None
    return row


def require_session() -> Response | None:
    """``None`` when the request carries a live access token, else the 401 response."""
    if token_row(org(), bearer_token()) is None:
        return invalid_session()
    return None


# --- token issue -------------------------------------------------------------------


def _issue(
    the_org: Org,
    client_id: str,
    scope: str,
    *,
    refresh_from: str | None = None,
    with_refresh: bool = False,
) -> dict[str, Any]:
    """Mint an access token (and maybe a refresh token); return Salesforce's token JSON."""
    now = time.time()
    issued_at = str(int(now * 1000))
    access = f"{ids.to15(the_org.org_id)}!{secrets.token_urlsafe(72)}"
    refresh = "5Aep861" + secrets.token_urlsafe(60) if with_refresh else None
    refresh_hash = _hash(refresh) if refresh else refresh_from
    expires = now + the_org.runtime.get("token_seconds")
    with the_org.store.transaction():
        if refresh:
            the_org.store.execute(
                "INSERT INTO tokens(hash, kind, client_id, user_id, scope, issued_at) "
                "VALUES (?, 'refresh', ?, ?, ?, ?)",
                (refresh_hash, client_id, the_org.user_id, scope, now),
            )
        the_org.store.execute(
            "INSERT INTO tokens(hash, kind, refresh_hash, client_id, user_id, scope, issued_at, "
            "expires_at) VALUES (?, 'access', ?, ?, ?, ?, ?, ?)",
            (_hash(access), refresh_hash, client_id, the_org.user_id, scope, now, expires),
        )
    instance = the_org.instance_url()
    identity = f"{instance}/id/{the_org.org_id}/{the_org.user_id}"
    secret = the_org.settings["client_secret"].encode()
    signature = base64.b64encode(
        hmac.new(secret, (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    body: dict[str, Any] = {"access_token": access}
    if refresh:
        body["refresh_token"] = refresh
    body.update(
        signature=signature,
        scope=scope,
        instance_url=instance,
        id=identity,
        token_type="Bearer",
        issued_at=issued_at,
    )
    return body


def _token_response(body: dict[str, Any]) -> Response:
    resp = jsonify(body)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    return resp


def _client_credentials() -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")


@bp.post("/services/oauth2/token")
def token() -> Response:
    the_org = org()
    grant = request.form.get("grant_type", "")
    client_id, client_secret = _client_credentials()
    if grant not in ("authorization_code", "refresh_token", "password"):
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    if client_id != the_org.settings["client_id"]:
        return _oauth_error("invalid_client_id", "client identifier invalid")
    secret_ok = client_secret is not None and hmac.compare_digest(
        client_secret, the_org.settings["client_secret"]
    )
    if grant == "authorization_code":
        return _code_grant(the_org, client_id, client_secret, secret_ok)
    if not secret_ok:
        return _oauth_error("invalid_client", "invalid client credentials")
    if grant == "refresh_token":
        row = token_row(the_org, request.form.get("refresh_token"), kind="refresh")
        if row is None or row["client_id"] != client_id:
            return _oauth_error("invalid_grant", "expired access/refresh token")
        return _token_response(_issue(the_org, client_id, row["scope"], refresh_from=row["hash"]))
    # grant_type=password: the username-password flow never returns a refresh token.
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if username.lower() != the_org.settings["username"].lower() or not hmac.compare_digest(
        password, the_org.settings["password"]
    ):
        return _oauth_error("invalid_grant", "authentication failure")
    return _token_response(_issue(the_org, client_id, "api"))


def _code_grant(
    the_org: Org, client_id: str, client_secret: str | None, secret_ok: bool
) -> Response:
    code = request.form.get("code", "")
    redirect_uri = request.form.get("redirect_uri", "")
    verifier = request.form.get("code_verifier")
    with the_org.store.transaction():
        rows = the_org.store.execute("SELECT * FROM auth_codes WHERE hash = ?", (_hash(code),))
        row = dict(rows[0]) if rows else None
        if row is None or row["used"] or row["expires_at"] <= time.time():
            return _oauth_error("invalid_grant", "invalid authorization code")
        if row["client_id"] != client_id:
            return _oauth_error("invalid_grant", "invalid authorization code")
        if redirect_uri != row["redirect_uri"]:
            return _oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
        if row["code_challenge"]:
            if not verifier:
                return _oauth_error("invalid_grant", "invalid code verifier")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not hmac.compare_digest(expected, row["code_challenge"]):
                return _oauth_error("invalid_grant", "invalid code verifier")
        elif not secret_ok:
            return _oauth_error("invalid_client", "invalid client credentials")
        if client_secret is not None and not secret_ok:
            return _oauth_error("invalid_client", "invalid client credentials")
        the_org.store.execute("UPDATE auth_codes SET used = 1 WHERE hash = ?", (row["hash"],))
    scope = row["scope"]
    with_refresh = bool({"refresh_token", "offline_access", "full"} & set(scope.split()))
    return _token_response(_issue(the_org, client_id, scope, with_refresh=with_refresh))


@bp.route("/services/oauth2/revoke", methods=["GET", "POST"])
def revoke() -> Response:
    """Revoke an access token, or a refresh token together with its access tokens."""
    the_org = org()
    value = request.values.get("token", "")
    hashed = _hash(value)
    with the_org.store.transaction():
        rows = the_org.store.execute(
            "SELECT kind FROM tokens WHERE hash = ? AND revoked = 0", (hashed,)
        )
        if not value or not rows:
            return _oauth_error("unsupported_token_type", "this token type is not supported")
        the_org.store.execute("UPDATE tokens SET revoked = 1 WHERE hash = ?", (hashed,))
        if rows[0]["kind"] == "refresh":
            the_org.store.execute("UPDATE tokens SET revoked = 1 WHERE refresh_hash = ?", (hashed,))
    return Response("", status=200)


# --- authorize (login + consent page) -----------------------------------------------

_AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "prompt",
)

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce (sandbox)</title>
<style>
 body{font-family:system-ui,sans-serif;background:#f3f2f2;margin:0}
 main{max-width:360px;margin:60px auto;background:#fff;padding:24px 28px;border-radius:6px;
      box-shadow:0 2px 6px rgba(0,0,0,.15)}
 label{display:block;margin-top:12px;font-size:14px} input[type=text],input[type=password]{width:100%;
      padding:8px;box-sizing:border-box;margin-top:4px} .error{color:#c23934;margin-top:8px}
 .consent{background:#f4f6f9;padding:10px;margin-top:14px;font-size:13px}
 button{margin-top:16px;padding:8px 18px;font-size:14px} .allow{background:#0176d3;color:#fff;border:0}
</style></head>
<body><main>
<h1>Salesforce sandbox org</h1>
<p>Log in to allow <strong>{{ client_id }}</strong> to access this org.</p>
{% if error %}<div id="error" class="error" role="alert">{{ error }}</div>{% endif %}
<form id="login_form" method="post" action="{{ action }}">
  {% for name, value in params %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
  <label for="username">Username<input type="text" id="username" name="username" value="{{ username }}" autocomplete="username"></label>
  <label for="password">Password<input type="password" id="password" name="password" autocomplete="current-password"></label>
  <div class="consent">Allow access? The app will be able to: <em>{{ scope }}</em>.
  It will be sent back to <code>{{ redirect_uri }}</code>.</div>
  <button type="submit" id="Login" name="action" value="allow" class="allow">Log In and Allow</button>
  <button type="submit" id="Deny" name="action" value="deny">Deny</button>
</form>
</main></body></html>"""

_ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error | Salesforce (sandbox)</title></head>
<body><main style="font-family:system-ui,sans-serif;max-width:600px;margin:60px auto">
<h1>Remote Access Error</h1>
<p id="error">error={{ error }}&amp;error_description={{ description }}</p>
</main></body></html>"""


def _error_page(error: str, description: str) -> Response:
    html = render_template_string(
        _ERROR_PAGE, error=error, description=description.replace(" ", "%20")
    )
    return Response(html, status=400, mimetype="text/html")


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        (k, v) for k, v in params.items() if v is not None
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


@bp.route("/services/oauth2/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    the_org = org()
    params = {k: request.values.get(k) for k in _AUTH_PARAMS}
    client_id, redirect_uri, state = params["client_id"], params["redirect_uri"], params["state"]
    if client_id != the_org.settings["client_id"]:
        return _error_page("invalid_client_id", "client identifier invalid")
    if not redirect_uri or not redirect_allowed(the_org, redirect_uri):
        return _error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
    if params["response_type"] != "code":
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "unsupported_response_type",
                    "error_description": "response type not supported",
                    "state": state,
                },
            )
        )
    method = params["code_challenge_method"] or "S256"
    if params["code_challenge"] and method != "S256":
        return redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "invalid_request",
                    "error_description": "invalid code_challenge_method",
                    "state": state,
                },
            )
        )
    scope = " ".join((params["scope"] or DEFAULT_SCOPE).split())
    error = None
    if request.method == "POST":
        if request.form.get("action") == "deny":
            return redirect(
                _with_query(
                    redirect_uri,
                    {
                        "error": "access_denied",
                        "error_description": "end-user denied authorization",
                        "state": state,
                    },
                )
            )
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if username.lower() == the_org.settings["username"].lower() and hmac.compare_digest(
            password, the_org.settings["password"]
        ):
            code = "aPrx" + secrets.token_urlsafe(48)
            the_org.store.execute(
                "INSERT INTO auth_codes(hash, client_id, redirect_uri, code_challenge, scope, "
                "user_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _hash(code),
                    client_id,
                    redirect_uri,
                    params["code_challenge"] or None,
                    scope,
                    the_org.user_id,
                    time.time() + CODE_SECONDS,
                ),
            )
            return redirect(_with_query(redirect_uri, {"code": code, "state": state}))
        error = "Please check your username and password. If you still can't log in, contact your Salesforce administrator."
    html = render_template_string(
        _LOGIN_PAGE,
        client_id=client_id,
        params=[(k, v) for k, v in params.items() if v],
        action=request.path,
        username=request.form.get("username", ""),
        scope=scope,
        redirect_uri=redirect_uri,
        error=error,
    )
    return Response(html, status=200, mimetype="text/html")


# --- identity -------------------------------------------------------------------------


def _identity(the_org: Org) -> dict[str, Any]:
    instance = the_org.instance_url()
    settings = the_org.settings
    username = settings["username"]
    base = f"{instance}/services/data/v{API_VERSION}/"
    return {
        "id": f"{instance}/id/{the_org.org_id}/{the_org.user_id}",
        "asserted_user": True,
        "user_id": the_org.user_id,
        "organization_id": the_org.org_id,
        "username": username,
        "nick_name": username.split("@")[0],
        "display_name": "Integration User",
        "email": username,
        "email_verified": True,
        "first_name": "Integration",
        "last_name": "User",
        "timezone": "GMT",
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": {
            "rest": base,
            "sobjects": base + "sobjects/",
            "query": base + "query/",
            "profile": f"{instance}/{the_org.user_id}",
        },
    }


def _identity_token() -> str | None:
    return bearer_token() or request.values.get("access_token") or request.values.get("oauth_token")


@bp.get("/id/<org_id>/<user_id>")
def identity(org_id: str, user_id: str) -> Response:
    the_org = org()
    if token_row(the_org, _identity_token()) is None:
        return Response("Bad_OAuth_Token", status=403, mimetype="text/plain")
    if not (ids.same_id(org_id, the_org.org_id) and ids.same_id(user_id, the_org.user_id)):
        return Response("Bad_Id", status=404, mimetype="text/plain")
    return jsonify(_identity(the_org))


@bp.get("/services/oauth2/userinfo")
def userinfo() -> Response:
    the_org = org()
    if token_row(the_org, _identity_token()) is None:
        return Response("Bad_OAuth_Token", status=403, mimetype="text/plain")
    info = _identity(the_org)
    return jsonify(
        {
            "sub": info["id"],
            "user_id": info["user_id"],
            "organization_id": info["organization_id"],
            "preferred_username": info["username"],
            "name": info["display_name"],
            "email": info["email"],
            "email_verified": True,
            "zoneinfo": "GMT",
            "locale": "en_US",
            "active": True,
        }
    )
