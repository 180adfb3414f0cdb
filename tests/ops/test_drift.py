"""The selector-drift check walks the real sandbox portal read-only and catches its drift knob."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.portal_pages.conftest import (  # noqa: F401 - fixtures
    PASSWORD,
    SAMPLE,
    USERNAME,
    _env,
    portal,
    sandbox,
    shared_client,
)
from tests.support.servers import run_module

pytestmark = pytest.mark.browser  # Chromium on the sandbox portal


def _check(url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "EMR_USERNAME": USERNAME,
        "EMR_PASSWORD": PASSWORD,
        "SYNC_ENV": "development",
        "EMR_PAGE_TIMEOUT": "8",
    }
    return run_module("portal_pages", "check", "--url", url, *extra, env=env, timeout=180)


@pytest.fixture
def chart(portal, shared_client) -> str:  # noqa: F811
    """One chart in the portal (the check walks the first chart when given none)."""
    return shared_client.upsert(json.loads(SAMPLE.read_text())).emr_patient_id


def test_check_walks_every_screen_read_only_and_catches_drift(portal, chart):  # noqa: F811
    writes = len(portal.writes())
    ok = _check(portal.url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["screens"] == [
        "LoginPage",
        "SearchPage",
        "ChartPage",
        "DemographicsTab",
        "GuardiansTab",
        "InsuranceTab",
        "NotesTab",
    ]
    assert len(portal.writes()) == writes  # the walk saved nothing

    portal.faults(drift=1)
    try:
        drifted = _check(portal.url, "--emr-id", chart)
    finally:
        portal.faults(drift=0)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "DRIFT: ChartPage._mrn (id=chart-mrn)" in drifted.stderr
    report = json.loads(drifted.stdout.strip().splitlines()[-1])
    assert report["missing"] == [
        {"page": "ChartPage", "selector": "_mrn", "locator": "id=chart-mrn"}
    ]
    assert len(portal.writes()) == writes


def test_check_of_an_unknown_chart_names_it(portal):  # noqa: F811
    out = _check(portal.url, "--emr-id", "MRN-999999")
    assert out.returncode == 1
    assert json.loads(out.stdout.strip().splitlines()[-1])["missing"][0]["page"] == "chart"


def test_the_generic_walk_reads_every_section_through_the_protocol(portal, chart, tmp_path):  # noqa: F811
    """What an adapter without a walk of its own gets (``protocol_walk``): read-only too."""
    from portal_pages.drift_run import run_check
    from tests.portal_pages.conftest import make_settings

    writes = len(portal.writes())
    report = run_check(make_settings(portal, tmp_path), chart, generic=True)
    assert report.ok, report.to_dict()
    assert report.screens == [
        "login",
        "search",
        "chart",
        "demographics",
        "guardians",
        "insurance",
        "notes",
    ]
    assert len(portal.writes()) == writes
    missing = run_check(make_settings(portal, tmp_path), "MRN-999999", generic=True)
    assert [m.page for m in missing.missing] == ["chart"]
