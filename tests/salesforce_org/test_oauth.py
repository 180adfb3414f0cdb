"""OAuth against the org with requests-oauthlib, as the sync service's web flow uses it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauthlib.oauth2 import InvalidGrantError
from requests_oauthlib import OAuth2Session

from tests.salesforce_org.conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, Org

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def _session(org: Org, redirect_port: int = 8000) -> OAuth2Session:
    oauth = OAuth2Session(
        CLIENT_ID,
        redirect_uri=f"http://127.0.0.1:{redirect_port}/oauth/callback",
        scope=["api", "refresh_token"],
        pkce="S256",
    )
    oauth.verify = org.cert
    oauth.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override ``verify``
    return oauth


def _log_in(org: Org, authorize_url: str, password: str = PASSWORD) -> requests.Response:
    page = requests.get(authorize_url, verify=org.cert, timeout=10)
    assert page.status_code == 200 and 'name="username"' in page.text
    return requests.post(
        authorize_url,
        data={"username": USERNAME, "password": password, "action": "allow"},
        allow_redirects=False,
        verify=org.cert,
        timeout=10,
    )


def _authorize(org: Org, oauth: OAuth2Session) -> tuple[str, str]:
    url, state = oauth.authorization_url(f"{org.https_url}/services/oauth2/authorize")
    answer = _log_in(org, url)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(oauth.redirect_uri + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    return query["code"][0], location


def test_authorization_code_flow_with_pkce_refresh_and_revoke(org: Org) -> None:
    oauth = _session(org, redirect_port=8765)
    code, _ = _authorize(org, oauth)
    token_url = f"{org.https_url}/services/oauth2/token"
    token = oauth.fetch_token(
        token_url, code=code, client_secret=CLIENT_SECRET, include_client_id=True
    )

    assert token["token_type"] == "Bearer"
    assert token["instance_url"] == org.https_url
    assert token["refresh_token"]
    assert token["id"].startswith(f"{org.https_url}/id/00D")
    assert token["issued_at"].isdigit() and len(token["issued_at"]) == 13
    expected = base64.b64encode(
        hmac.new(
            CLIENT_SECRET.encode(), (token["id"] + token["issued_at"]).encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert token["signature"] == expected
    assert set(token["scope"]) == {"api", "refresh_token"}

    # The access token works on the REST API and the identity URL.
    assert oauth.get(f"{org.https_url}/services/data/v62.0/").status_code == 200
    identity = oauth.get(token["id"]).json()
    assert identity["username"] == USERNAME and identity["organization_id"].startswith("00D")

    # The code is single-use.
    again = requests.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": oauth.redirect_uri,
        },
        timeout=10,
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    # Refresh: a new access token, no new refresh token (Salesforce does not rotate).
    refreshed = oauth.refresh_token(token_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed.get("refresh_token") == token["refresh_token"]  # oauthlib keeps the old one
    raw = requests.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    ).json()
    assert "refresh_token" not in raw and raw["access_token"]

    # Revoking the refresh token kills every access token issued from it.
    revoked = requests.post(
        f"{org.url}/services/oauth2/revoke", data={"token": token["refresh_token"]}, timeout=10
    )
    assert revoked.status_code == 200
    for access in (token["access_token"], refreshed["access_token"], raw["access_token"]):
        resp = requests.get(
            f"{org.url}/services/data/v62.0/sobjects/",
            headers={"Authorization": f"Bearer {access}"},
            timeout=10,
        )
        assert resp.status_code == 401 and resp.json() == INVALID_SESSION
    with pytest.raises(InvalidGrantError, match="expired access/refresh token"):
        oauth.refresh_token(token_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def test_pkce_verifier_is_checked(org: Org) -> None:
    oauth = _session(org)
    code, _ = _authorize(org, oauth)
    resp = requests.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": oauth.redirect_uri,
            "code_verifier": "not-the-verifier-" + "x" * 40,
        },
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_authorize_rejects_unknown_client_and_foreign_redirect(org: Org) -> None:
    base = f"{org.url}/services/oauth2/authorize"
    unknown = requests.get(
        base,
        params={
            "response_type": "code",
            "client_id": "nope",
            "redirect_uri": "http://127.0.0.1:8000/oauth/callback",
        },
        timeout=10,
    )
    assert unknown.status_code == 400 and "error=invalid_client_id" in unknown.text
    foreign = requests.get(
        base,
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": "https://evil.example/cb",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert foreign.status_code == 400 and "error=redirect_uri_mismatch" in foreign.text


def test_wrong_password_stays_on_login_page_and_deny_redirects(org: Org) -> None:
    oauth = _session(org)
    url, state = oauth.authorization_url(f"{org.https_url}/services/oauth2/authorize")
    wrong = _log_in(org, url, password="wrong")
    assert wrong.status_code == 200 and "check your username and password" in wrong.text
    denied = requests.post(
        url, data={"action": "deny"}, allow_redirects=False, verify=org.cert, timeout=10
    )
    assert denied.status_code == 302
    query = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == [state]


def test_password_grant_errors_and_no_refresh_token(org: Org) -> None:
    token = org.password_grant()
    assert "refresh_token" not in token and token["instance_url"] == org.url
    bad = requests.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": USERNAME,
            "password": "wrong",
        },
        timeout=10,
    )
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
    unknown = requests.post(
        f"{org.url}/services/oauth2/token",
        data={"grant_type": "password", "client_id": "nope", "client_secret": "x"},
        timeout=10,
    )
    assert unknown.json()["error"] == "invalid_client_id"


def test_expired_revoked_and_missing_tokens_answer_invalid_session(org: Org) -> None:
    url = f"{org.url}/services/data/v62.0/query/"
    params = {"q": "SELECT Id FROM Patient__c"}
    assert requests.get(url, params=params, timeout=10).json() == INVALID_SESSION

    access = org.password_grant()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert requests.get(url, params=params, headers=headers, timeout=10).status_code == 200
    org.sandbox("POST", "expire-tokens")
    expired = requests.get(url, params=params, headers=headers, timeout=10)
    assert expired.status_code == 401 and expired.json() == INVALID_SESSION

    access = org.password_grant()["access_token"]
    requests.post(f"{org.url}/services/oauth2/revoke", data={"token": access}, timeout=10)
    revoked = requests.get(
        url, params=params, headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert revoked.status_code == 401 and revoked.json() == INVALID_SESSION


def test_token_lifetime_is_configurable_at_run_time(org: Org) -> None:
    org.sandbox("POST", "config", json={"token_seconds": 0})
    access = org.password_grant()["access_token"]
    resp = requests.get(
        f"{org.url}/services/data/v62.0/", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert resp.status_code == 401
