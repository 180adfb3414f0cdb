"""The web-server flow, end to end: Flask app <-> sandbox org login page <-> callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from syncapp.salesforce import SalesforceClient
from tests.syncapp_salesforce.conftest import connect_through_browser
from tests.syncapp_salesforce.samples import intake


def test_connect_stores_a_refreshable_token_and_shows_the_instance(app, org, tokens):
    client = app.test_client()
    assert client.get("/oauth/status").get_json()["connected"] is False

    page = connect_through_browser(client, org)

    assert page.status_code == 200
    assert f"Connected to Salesforce (instance {org.url})" in page.get_data(as_text=True)
    token = tokens.load()
    assert token is not None and token.refresh_token and token.instance_url == org.url
    status = client.get("/oauth/status").get_json()
    assert status["connected"] is True and status["instance_url"] == org.url
    assert status["issued_at"].startswith("20")
    assert token.access_token not in str(status) and token.refresh_token not in str(status)


def test_login_sends_pkce_s256_and_keeps_the_verifier_off_the_browser(app, org):
    client = app.test_client()
    start = client.get("/oauth/login")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["scope"] == ["api refresh_token"]
    cookie = client.get_cookie("session")
    assert cookie is not None and "verifier" not in cookie.value


def test_the_connected_token_reads_records(app, org, settings, tokens):
    connect_through_browser(app.test_client(), org)
    record_id = org.create_patient(intake())
    bundle = SalesforceClient(settings, tokens).load_bundle(record_id)
    assert bundle["patient"]["last_name"] == "O'Brien"


def test_a_state_mismatch_is_refused(app, org, tokens):
    client = app.test_client()
    start = client.get("/oauth/login")
    back = org.sign_in(start.headers["Location"])
    query = parse_qs(urlsplit(back).query)
    forged = client.get(f"/oauth/callback?code={query['code'][0]}&state=forged")
    assert forged.status_code == 400
    assert "state did not match" in forged.get_data(as_text=True)
    assert tokens.load() is None


def test_a_callback_from_another_browser_is_refused(app, org, tokens):
    start = app.test_client().get("/oauth/login")
    back = urlsplit(org.sign_in(start.headers["Location"]))
    other_browser = app.test_client()  # no session cookie: it never started the flow
    assert other_browser.get(f"{back.path}?{back.query}").status_code == 400
    assert tokens.load() is None


def test_denied_access_is_a_clear_400(app, org, tokens):
    page = connect_through_browser(app.test_client(), org, action="deny")
    assert page.status_code == 400
    assert "access_denied" in page.get_data(as_text=True)
    assert tokens.load() is None


def test_a_replayed_callback_is_refused(app, org, tokens):
    client = app.test_client()
    start = client.get("/oauth/login")
    back = urlsplit(org.sign_in(start.headers["Location"]))
    with client.session_transaction() as session:
        state = session["sf_oauth_state"]
    assert client.get(f"{back.path}?{back.query}").status_code == 200
    with client.session_transaction() as session:
        session["sf_oauth_state"] = state  # even with the state put back, the verifier is gone
    assert client.get(f"{back.path}?{back.query}").status_code == 400


def test_disconnect_revokes_the_token_at_salesforce(app, org, tokens):
    client = app.test_client()
    connect_through_browser(client, org)
    token = tokens.load()
    # A state-changing admin request names its origin (CSRF check).
    resp = client.post("/oauth/disconnect", headers={"Origin": "http://localhost"})
    assert resp.get_json() == {"connected": False}
    assert tokens.load() is None
    assert client.get("/oauth/status").get_json()["connected"] is False
    api = requests.get(
        f"{org.url}/services/data/v62.0/sobjects/",
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=10,
    )
    assert api.status_code == 401
    refresh = requests.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token.refresh_token,
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
        },
        timeout=10,
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
