"""Admin pages in production: credentials always (no loopback exemption), Origin on POST,
Secure/HttpOnly/SameSite cookies (finding 3)."""

from __future__ import annotations

import base64

import pytest

from tests.hostile.conftest import ADMIN, PUBLIC

PAGES = [("GET", "/oauth/status"), ("GET", "/oauth/login"), ("POST", "/oauth/disconnect")]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


BAD_AUTH = {
    "none": {},
    "wrong-password": {"Authorization": _basic(ADMIN[0], "wrong")},
    "wrong-user": {"Authorization": _basic("root", ADMIN[1])},
    "empty-password": {"Authorization": _basic(ADMIN[0], "")},
    "password-prefix": {"Authorization": _basic(ADMIN[0], ADMIN[1][:-1])},
    "bearer": {"Authorization": "Bearer " + ADMIN[1]},
    "malformed-base64": {"Authorization": "Basic !!!not-base64"},
    "latin1-bytes": {"Authorization": "Basic " + base64.b64encode(b"admin:\xff\xfe").decode()},
    "forwarded-loopback": {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
}


@pytest.mark.parametrize("method, path", PAGES, ids=[p for _, p in PAGES])
@pytest.mark.parametrize("headers", BAD_AUTH.values(), ids=BAD_AUTH.keys())
def test_admin_pages_need_credentials_even_from_loopback(probe, method, path, headers):
    """Behind a same-host reverse proxy every client is 127.0.0.1: no exemption for it."""
    out = probe(
        "admin: credentials",
        method,
        path,
        headers={"Origin": PUBLIC, **headers},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert out.status == 401 and out.published == 0 and not out.leaked


GOOD = {"Authorization": _basic(*ADMIN)}
BAD_ORIGINS = {
    "no-origin-no-referer": {},
    "evil-origin": {"Origin": "https://evil.example"},
    "null-origin": {"Origin": "null"},
    "evil-referer": {"Referer": "https://evil.example/page"},
    "other-port": {"Origin": PUBLIC + ":8443"},
    "other-scheme": {"Origin": PUBLIC.replace("https", "http")},
    "lookalike-host": {"Origin": PUBLIC + ".evil.example"},
    "userinfo-trick": {"Origin": "https://sync.clinic.example@evil.example"},
}


@pytest.mark.parametrize("headers", BAD_ORIGINS.values(), ids=BAD_ORIGINS.keys())
def test_state_changing_admin_requests_check_origin(probe, headers):
    out = probe("admin: CSRF/Origin", "POST", "/oauth/disconnect", headers={**GOOD, **headers})
    assert out.status == 403 and not out.leaked


@pytest.mark.parametrize(
    "headers",
    [{"Origin": PUBLIC}, {"Referer": PUBLIC + "/oauth/status"}],
    ids=["origin", "referer"],
)
def test_same_origin_disconnect_with_credentials_works(probe, headers):
    out = probe(
        "control", "POST", "/oauth/disconnect", headers={**GOOD, **headers}, expect_4xx=False
    )
    assert out.status == 200


def test_session_cookie_is_secure_httponly_samesite_in_production(probe):
    out = probe("control", "GET", "/oauth/login", headers=GOOD, expect_4xx=False)
    assert out.status == 302
    cookie = out.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _settings_of(app):
    services = app.extensions.get("sf_emr_sync")
    return services.settings if services is not None else app.config["SYNC_SETTINGS"]


@pytest.mark.parametrize("method, path", PAGES, ids=[p for _, p in PAGES])
def test_no_loopback_exemption_in_production_even_without_a_secret(hostile, method, path):
    """Finding 3: through a same-host proxy every client is 127.0.0.1; production never
    opens the admin pages to loopback (start-up requires the secret; this is the backstop)."""
    _settings_of(hostile.app).admin_basic_auth = None
    resp = hostile.client().open(
        path, method=method, headers={"Origin": PUBLIC}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert resp.status_code == 403
