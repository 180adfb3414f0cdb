"""Fixtures: one sandbox org subprocess per test module, reset before each test.

The org runs with notifications off (``SF_SANDBOX_NOTIFY=none``); tests that
need them point the org at their own listener through ``/__sandbox__/config``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from tests.support.servers import Server, run_server

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
USERNAME = "integration@clinic.example"
PASSWORD = "test-password"


@dataclass
class Org:
    server: Server
    cert: str  # path of the org's self-signed TLS certificate

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def https_url(self) -> str:
        return self.server.url.replace("http://", "https://")

    def sandbox(self, method: str, path: str, **kwargs) -> requests.Response:
        resp = requests.request(method, f"{self.url}/__sandbox__/{path}", timeout=10, **kwargs)
        resp.raise_for_status()
        return resp

    def password_grant(self) -> dict:
        resp = requests.post(
            f"{self.url}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "username": USERNAME,
                "password": PASSWORD,
            },
            timeout=10,
        )
        resp.raise_for_status()
        return resp.json()

    def salesforce(self) -> Salesforce:
        """simple-salesforce, unchanged: session id + instance URL from a password grant."""
        token = self.password_grant()
        session = requests.Session()
        session.verify = self.cert  # simple-salesforce always speaks https; trust the org's cert
        session.trust_env = False  # else REQUESTS_CA_BUNDLE silently overrides ``verify``
        return Salesforce(
            session_id=token["access_token"], instance_url=token["instance_url"], session=session
        )

    def new_patient(self, **overrides) -> dict:
        bundle = sample_bundle()
        bundle.update(overrides)
        return self.sandbox("POST", "patients", json=bundle).json()


def sample_bundle() -> dict:
    return {
        "salesforce_id": None,
        "emr_patient_id": None,
        "patient": {
            "first_name": "Ada",
            "middle_name": None,
            "last_name": "O'Neil",
            "date_of_birth": "2019-04-12",
            "sex": "female",
            "phone": "555-0100",
            "email": "ada@example.org",
            "address": {
                "street": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            },
        },
        "guardians": [
            {
                "first_name": "Grace",
                "last_name": "O'Neil",
                "relationship": "mother",
                "phone": "555-0101",
                "email": None,
                "is_primary": True,
            }
        ],
        "insurance": [
            {
                "rank": "primary",
                "payer": "Aetna",
                "member_id": "AET12345",
                "group_number": "G-1",
                "subscriber_name": "Grace O'Neil",
                "subscriber_relationship": "parent",
                "effective_date": "2024-01-01",
            }
        ],
        "notes": [
            {
                "written_at": "2026-01-02T15:04:05+00:00",
                "author": "Dr. Who",
                "text": "Intake <ok> & fine",
            }
        ],
    }


@pytest.fixture(scope="module")
def org_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    tmp: Path = tmp_path_factory.mktemp("sforg")
    cert = tmp / "org-cert.pem"
    env = {
        "SF_SANDBOX_DB": str(tmp / "org.sqlite3"),
        "SF_SANDBOX_CLIENT_ID": CLIENT_ID,
        "SF_SANDBOX_CLIENT_SECRET": CLIENT_SECRET,
        "SF_SANDBOX_USERNAME": USERNAME,
        "SF_SANDBOX_PASSWORD": PASSWORD,
        "SF_SANDBOX_NOTIFY": "none",
        "SF_SANDBOX_RETRY_BASE_SECONDS": "0.2",
        "SF_SANDBOX_RETRY_MAX_SECONDS": "1",
        "SF_SANDBOX_TLS_CERT_FILE": str(cert),
        "SF_SANDBOX_WEBHOOK_URL": "http://127.0.0.1:9/unused",
        "SF_SANDBOX_EVENTS_URL": "http://127.0.0.1:9/unused",
    }
    with run_server(
        ["sandbox.salesforce_org"],
        env=env,
        log_dir=tmp,
        name="salesforce-org",
        ready_path="/services/data/",
    ) as server:
        yield Org(server=server, cert=str(cert))


@pytest.fixture
def org(org_server: Org) -> Org:
    org_server.sandbox("POST", "reset")
    return org_server


@dataclass
class Listener:
    """A tiny webhook receiver: records every request, answers as told."""

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    fail_first: int = 0  # answer this many requests without an ack first
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r["body"] for r in self.requests]


ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


@pytest.fixture
def listener() -> Iterator[Listener]:
    state = Listener()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                refuse = len(state.requests) <= state.fail_first
            if refuse:
                self.send_response(500)
                payload = b"<error/>"
            elif "xml" in self.headers.get("Content-Type", ""):
                self.send_response(200)
                payload = ACK.encode()
            else:
                self.send_response(202)
                payload = b"{}"
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/salesforce/outbound-message"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
