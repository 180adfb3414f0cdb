"""Connect the service to a Salesforce org: the OAuth 2.0 web-server flow with PKCE.

An administrator opens ``/oauth/login`` once; Salesforce sends them back to
``/oauth/callback`` with a code that we exchange for an access and a refresh
token, stored encrypted for the workers (``syncapp.tokens``). The ``state`` is
bound to the browser (signed Flask session) and the PKCE code verifier stays
server-side in the store, used once. Pages show the instance URL, never tokens.
Works against login.salesforce.com, test.salesforce.com, a My Domain or the
sandbox org: only ``SF_LOGIN_URL`` changes.
"""

from __future__ import annotations

import logging
from html import escape

import requests
from flask import Blueprint, jsonify, redirect, request, session
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient

from syncapp.enqueue import replay_parked
from syncapp.errors import EnqueueFailed, ReauthorizationRequired, SalesforceUnavailable, SyncError
from syncapp.settings import Settings
from syncapp.tokens import Token, TokenStore, oauth_url, revoke, token_session
from syncapp.web.admin import admin_required
from syncapp.web.services import publisher, services

log = logging.getLogger(__name__)

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

SCOPES = ["api", "refresh_token"]
PENDING_TTL = 600  # seconds an authorisation may take before its verifier expires


def _settings() -> Settings:
    return services().settings


def _tokens() -> TokenStore:
    return services().tokens


def _page(title: str, text: str, status: int = 200):
    body = (
        f"<!doctype html><html><head><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/login")
@admin_required
def login():
    s = _settings()
    if not s.sf_client_id:
        return _page("Salesforce is not configured", "Set SF_CLIENT_ID and SF_CLIENT_SECRET.", 500)
    client = WebApplicationClient(s.sf_client_id)
    oauth = token_session(client=client, redirect_uri=s.sf_redirect_uri, scope=SCOPES, pkce="S256")
    url, state = oauth.authorization_url(oauth_url(s, "authorize"))
    tokens = _tokens()
    # The verifier never leaves the server: a leaked code is useless without it.
    tokens.store.set(tokens.pending_key(state), client.code_verifier, ttl=PENDING_TTL)
    session["sf_oauth_state"] = state
    return redirect(url)


@bp.get("/callback")
def callback():
    s = _settings()
    tokens = _tokens()
    expected = session.pop("sf_oauth_state", None)
    state = request.args.get("state")
    if not expected or state != expected:
        return _page(
            "Salesforce connection failed",
            "The sign-in state did not match: start again at /oauth/login.",
            400,
        )
    pending_key = tokens.pending_key(state)
    verifier = tokens.store.get(pending_key)
    tokens.store.delete(pending_key)
    if request.args.get("error"):
        # Salesforce's error code is a fixed word (access_denied, ...); the description is free text.
        error = request.args["error"]
        return _page(
            "Salesforce connection failed",
            f"Salesforce answered {error}: {request.args.get('error_description', '')}",
            400,
        )
    code = request.args.get("code")
    if not code or verifier is None:
        return _page(
            "Salesforce connection failed",
            "No authorisation code (or it expired): start again at /oauth/login.",
            400,
        )
    oauth = token_session(client_id=s.sf_client_id, redirect_uri=s.sf_redirect_uri)
    try:
        data = oauth.fetch_token(
            oauth_url(s, "token"),
            code=code,
            client_secret=s.sf_client_secret.get_secret_value(),
            include_client_id=True,
            code_verifier=verifier.decode(),
            timeout=20,
        )
    except OAuth2Error as exc:
        return _page(
            "Salesforce connection failed", f"Salesforce refused the code ({exc.error}).", 400
        )
    except SalesforceUnavailable as exc:
        return _page("Salesforce connection failed", str(exc), 502)
    except requests.RequestException:
        return _page("Salesforce connection failed", "Salesforce could not be reached.", 502)
    token = Token.from_response(data)
    if s.allowed_org_ids and (token.org_id or "")[:15] not in s.allowed_org_ids:
        revoke(s, token)
        return _page("Salesforce connection refused", "This org is not in SF_ALLOWED_ORG_IDS.", 403)
    tokens.save(token)
    log.info("Connected to Salesforce", extra={"step": "oauth_callback", "org_id": token.org_id})
    connected = f"Connected to Salesforce (instance {token.instance_url})."
    try:  # what was parked while Salesforce could not be reached gets its answer now
        replay_parked(publisher(), ReauthorizationRequired.kind)
    except EnqueueFailed:
        log.warning("parked records not replayed", extra={"step": "oauth_callback"})
        return _page(
            "Connected to Salesforce",
            connected + " Records parked while disconnected could not be queued again: run "
            "celery -A tasks resync --failed once the broker is reachable.",
        )
    return _page(
        "Connected to Salesforce",
        connected + " Records parked while disconnected are being synced again.",
    )


@bp.get("/status")
@admin_required
def status():
    token = _tokens().load()
    return jsonify(
        connected=token is not None,
        instance_url=token.instance_url if token else None,
        issued_at=token.issued_at_iso if token else None,
    )


@bp.post("/disconnect")
@admin_required
def disconnect():
    tokens = _tokens()
    token = tokens.load()
    if token is not None:
        revoke(_settings(), token)
    tokens.clear()
    log.info("Disconnected from Salesforce", extra={"step": "oauth_disconnect"})
    return jsonify(connected=False)


@bp.errorhandler(SyncError)
def _sync_error(exc: SyncError):
    return _page("Salesforce connection failed", str(exc), 502 if exc.retryable else 400)
