"""Fixtures: the sandbox Salesforce org as a real subprocess, and both token-store backends.

Every integration test runs twice: on Redis (production) and on the embedded
SQLite store, opened as a deployment opens it (``syncapp.backend``), so that both honour the same contract.
Each test gets its own org database, data directory and Redis key namespace.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from syncapp.backend import open_store, resolve
from syncapp.logs import JsonFormatter
from syncapp.settings import Settings, get_settings
from syncapp.tokens import TokenStore
from syncapp.web.app import create_app
from tests.support.servers import Server, run_server
from tests.support.services import require_redis

REDIRECT_URI = "http://127.0.0.1:8000/oauth/callback"
USERNAME, PASSWORD = "integration@clinic.example", "sandbox-password"


class _Form(HTMLParser):
    """The first form of a page: its action and input values (hidden fields included)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("name") and a.get("type") != "submit":
            self.fields[a["name"] or ""] = a.get("value") or ""


class SandboxOrg:
    """What a person (or a test) does at the org: sign in, and the ``/__sandbox__/`` knobs."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url

    def sign_in(
        self, authorize_url: str, *, action: str = "allow", password: str = PASSWORD
    ) -> str:
        """Fill the login page like a browser; return the redirect back to the app."""
        page = requests.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text[:500]
        form = _Form()
        form.feed(page.text)
        data = {**form.fields, "username": USERNAME, "password": password, "action": action}
        answer = requests.post(
            urljoin(authorize_url, form.action), data=data, allow_redirects=False, timeout=10
        )
        assert answer.status_code in (302, 303), answer.text[:500]
        return answer.headers["Location"]

    def _post(self, path: str, body: Any = None) -> Any:
        r = requests.post(f"{self.url}/__sandbox__/{path}", json=body or {}, timeout=10)
        r.raise_for_status()
        return r.json() if r.content else None

    def create_patient(self, bundle: dict[str, Any]) -> str:
        return self._post("patients", bundle)["id"]

    def patient(self, record_id: str) -> dict[str, Any]:
        r = requests.get(f"{self.url}/__sandbox__/patients/{record_id}", timeout=10)
        r.raise_for_status()
        return r.json()

    def delete_record(self, record_id: str) -> None:
        requests.delete(
            f"{self.url}/__sandbox__/records/{record_id}", timeout=10
        ).raise_for_status()

    def expire_tokens(self) -> None:
        self._post("expire-tokens")

    def revoke_all(self) -> None:
        self._post("revoke-all")

    def down(self, seconds: float) -> None:
        self._post("down", {"seconds": seconds})


@pytest.fixture
def org(tmp_path) -> Iterator[SandboxOrg]:
    env = {
        "SF_SANDBOX_DB": str(tmp_path / "org.sqlite3"),
        "SF_SANDBOX_START_SENDER": "0",
        "SF_SANDBOX_NOTIFY": "none",
        "SF_SANDBOX_TLS": "0",
    }
    with run_server(
        ["sandbox.salesforce_org"],
        env=env,
        log_dir=tmp_path,
        ready_path="/services/data/",
        name="salesforce-org",
    ) as server:
        yield SandboxOrg(server)


@pytest.fixture(params=["redis", "sqlite"])
def store_kind(request, monkeypatch, tmp_path) -> Iterator[str]:
    """Select the backend through the environment, as a deployment does."""
    monkeypatch.setenv("SYNC_DATA_DIR", str(tmp_path / "data"))
    if request.param == "redis":
        monkeypatch.setenv("SYNC_BACKEND", "external")
        monkeypatch.setenv("REDIS_URL", require_redis())
    else:
        monkeypatch.setenv("SYNC_BACKEND", "embedded")
    get_settings.cache_clear()
    yield request.param


@pytest.fixture
def settings(org, store_kind, monkeypatch) -> Settings:
    monkeypatch.setenv("SF_LOGIN_URL", org.url)
    monkeypatch.setenv("SF_CLIENT_ID", "sandbox-client-id")
    monkeypatch.setenv("SF_CLIENT_SECRET", "sandbox-client-secret")
    monkeypatch.setenv("SF_REDIRECT_URI", REDIRECT_URI)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def namespace() -> str:
    """A Redis key namespace of this test's own (harmless on SQLite)."""
    return f"test-{uuid.uuid4().hex}:sf"


@pytest.fixture
def tokens(settings, namespace) -> Iterator[TokenStore]:
    store = TokenStore(open_store(resolve(settings), settings), settings, namespace=namespace)
    yield store
    store.clear()


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything any logger writes, at DEBUG, through the service's JSON formatter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def app(settings, tokens):
    return create_app(
        settings=settings,
        test_config={"TESTING": True},
        backend=resolve(settings),
        store=tokens.store,
        tokens=tokens,
    )


def connect_through_browser(client, org: SandboxOrg, **sign_in: Any):
    """An administrator's visit: /oauth/login, the org's login page, back to /oauth/callback."""
    start = client.get("/oauth/login")
    assert start.status_code == 302
    assert start.headers["Location"].startswith(f"{org.url}/services/oauth2/authorize?")
    back = org.sign_in(start.headers["Location"], **sign_in)
    assert back.startswith(REDIRECT_URI), back
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")
