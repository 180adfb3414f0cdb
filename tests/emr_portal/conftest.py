"""Fixtures for the Demo EMR: one real server subprocess for the module, reset per test.

The server is shared because starting it is the slowest part; each test gets
an empty portal with default fault knobs, so tests stay independent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.servers import Server, run_server

USERNAME, PASSWORD = "frontdesk", "demo-password"
DEFAULT_FAULTS = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "error_rate": 0,
    "idle_lock_seconds": 300,
    "session_seconds": 3600,
    "whats_new_rate": 0,
    "static_latency": 0,
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


@pytest.fixture(scope="session")
def emr_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("emr_portal")
    env = {
        "EMR_SANDBOX_DB": str(tmp / "emr.sqlite3"),
        "EMR_SANDBOX_USERNAME": USERNAME,
        "EMR_SANDBOX_PASSWORD": PASSWORD,
        "EMR_SANDBOX_SEED": "7",
    }
    with run_server(
        ["sandbox.emr_portal"], env=env, log_dir=tmp, ready_path="/login", name="emr"
    ) as server:
        yield server


@pytest.fixture
def emr(emr_server: Server) -> Iterator[Server]:
    """The shared server, emptied and with default faults before and after the test."""
    _restore(emr_server)
    yield emr_server
    _restore(emr_server)


def _restore(server: Server) -> None:
    requests.post(f"{server.url}/__sandbox__/faults", json=DEFAULT_FAULTS, timeout=5)
    requests.post(f"{server.url}/__sandbox__/reset", timeout=5).raise_for_status()


class PortalClient(requests.Session):
    """A staff member's browser, minus the JavaScript: cookies, CSRF header, JSON."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.csrf = ""

    def url(self, path: str) -> str:
        return self.base + path

    def login_token(self) -> str:
        resp = self.get(self.url("/login"), timeout=5)
        resp.raise_for_status()
        return _TOKEN.search(resp.text).group(1)

    def login(self, password: str = PASSWORD, next_path: str | None = None) -> requests.Response:
        form = {"csrf_token": self.login_token(), "username": USERNAME, "password": password}
        if next_path:
            form["next"] = next_path
        resp = self.post(self.url("/login"), data=form, allow_redirects=False, timeout=5)
        if resp.status_code == 302:
            self.refresh_csrf()
        return resp

    def refresh_csrf(self) -> None:
        page = self.get(self.url("/patients"), timeout=5)
        self.csrf = _META.search(page.text).group(1)

    def api(self, method: str, path: str, payload: Any = None) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf}
        return self.request(
            method, self.url(path), json=payload, headers=headers, allow_redirects=False, timeout=10
        )

    def sandbox(self, path: str, method: str = "GET", payload: Any = None) -> Any:
        resp = requests.request(method, self.url("/__sandbox__/" + path), json=payload, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def create_patient(self, **fields: str) -> str:
        body = {"first_name": "Zoë", "last_name": "O'Brien-Núñez", "date_of_birth": "02/03/2015"}
        body.update(fields)
        resp = self.api("POST", "/api/patients", body)
        assert resp.status_code == 201, resp.text
        return resp.json()["mrn"]


@pytest.fixture
def client(emr: Server) -> Iterator[PortalClient]:
    c = PortalClient(emr.url)
    assert c.login().status_code == 302
    yield c
    c.close()


@pytest.fixture
def anon(emr: Server) -> Iterator[PortalClient]:
    c = PortalClient(emr.url)
    yield c
    c.close()
