"""Fixtures for the page-object tests: one real Demo EMR portal and one shared browser.

The portal runs as a subprocess for the whole session and is reset (data and
fault knobs) before every test, so tests stay independent while the browser
and its login are reused, the way a worker reuses them. Tests read the portal's
state only through its ``/__sandbox__/`` inspection API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from portal_pages import PortalClient
from portal_pages.core.browser import Browser
from portal_pages.core.driver import quit_driver, start_driver
from syncapp.bundle import PatientBundle, validate_bundle
from syncapp.settings import Settings
from tests.support.servers import ROOT, run_server

USERNAME, PASSWORD = "frontdesk", "demo-password"
DEFAULT_FAULTS = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "error_rate": 0.0,
    "idle_lock_seconds": 300,
    "session_seconds": 3600,
    "whats_new_rate": 0.0,
    "static_latency": 0,
    "drift": 0,
}
SAMPLE = ROOT / "sandbox" / "samples" / "amara-okafor-lindqvist.json"
ENCRYPTION_KEY = Fernet.generate_key().decode()


class Sandbox:
    """The running portal plus helpers that read like a tester's checks."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str):
        r = requests.get(self.url + "/__sandbox__/" + path, timeout=10)
        r.raise_for_status()
        return r.json()

    def patients(self) -> list[dict]:
        return self.get("patients")

    def writes(self) -> list[dict]:
        return self.get("writes")

    def stats(self) -> dict:
        return self.get("stats")

    def faults(self, **knobs: float) -> dict:
        r = requests.post(self.url + "/__sandbox__/faults", json=knobs, timeout=10)
        r.raise_for_status()
        return r.json()

    def reset(self) -> None:
        requests.post(self.url + "/__sandbox__/reset", timeout=10).raise_for_status()
        self.faults(**DEFAULT_FAULTS)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    log_dir = tmp_path_factory.mktemp("emr-portal")
    env = {
        "EMR_SANDBOX_USERNAME": USERNAME,
        "EMR_SANDBOX_PASSWORD": PASSWORD,
        "EMR_SANDBOX_DB": str(log_dir / "emr.sqlite3"),
        "EMR_SANDBOX_SEED": "1234",
    }
    with run_server(
        ["sandbox.emr_portal"], env=env, log_dir=log_dir, ready_path="/login", name="emr"
    ) as server:
        yield Sandbox(server.url)


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path) -> None:
    """Credentials and the encryption key come from the environment, as in production."""
    monkeypatch.setenv("SYNC_ENCRYPTION_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("EMR_USERNAME", USERNAME)
    monkeypatch.setenv("EMR_PASSWORD", PASSWORD)


def make_settings(sandbox: Sandbox, artifact_dir: Path, **overrides) -> Settings:
    values = {
        "emr_url": sandbox.url,
        "emr_username": USERNAME,
        "emr_password": PASSWORD,
        "emr_page_timeout": 10.0,
        "emr_artifact_dir": artifact_dir,
        "emr_artifact_retention": 5,
        "sync_encryption_key": ENCRYPTION_KEY,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def shared_client(sandbox, tmp_path_factory) -> Iterator[PortalClient]:
    """One browser for the session: the warm path every worker runs."""
    client = PortalClient.from_settings(
        make_settings(sandbox, tmp_path_factory.mktemp("artifacts"))
    )
    yield client
    client.close()


@pytest.fixture
def portal(sandbox) -> Sandbox:
    """The sandbox, emptied and with its fault knobs back to calm."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def client(shared_client, portal) -> PortalClient:
    return shared_client


def load_sample() -> PatientBundle:
    return validate_bundle(json.loads(SAMPLE.read_text()))


def full_bundle() -> PatientBundle:
    """Demographics, 2 guardians, 2 coverages, 2 notes (the sample, trimmed to two notes)."""
    data = json.loads(SAMPLE.read_text())
    data["notes"] = data["notes"][:2]
    return validate_bundle(data)


def expected_chart(bundle: PatientBundle, mrn: str) -> dict:
    """The bundle as the portal's inspection API reports a chart holding exactly its data."""
    data = bundle.to_json()
    data["salesforce_id"] = None
    data["emr_patient_id"] = mrn
    for g in data["guardians"]:
        g["salesforce_id"] = None
    for c in data["insurance"]:
        c["salesforce_id"] = None
    data["insurance"].sort(key=lambda c: ["primary", "secondary"].index(c["rank"]))
    for n in data["notes"]:
        n["written_at"] = n["written_at"][:10]
    return data


def chart_of(sandbox: Sandbox, mrn: str) -> dict:
    charts = [p for p in sandbox.patients() if p["emr_patient_id"] == mrn]
    assert len(charts) == 1, f"expected one chart {mrn}, found {len(charts)}"
    return charts[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module on a blank page, for tests that write their own page.

    A module that needs the sandbox portal behind its browser overrides this fixture.
    """
    driver = start_driver(Settings())
    try:
        yield Browser(driver, base_url="about:", timeout=3.0, tracker=False)
    finally:
        quit_driver(driver)
