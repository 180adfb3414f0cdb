"""The reused session: recycling after N jobs, after failures, after the browser died; the CLI."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from portal_pages import PortalClient
from portal_pages.adapters import UnknownPortal
from tests.portal_pages.conftest import (
    ENCRYPTION_KEY,
    SAMPLE,
    chart_of,
    expected_chart,
    full_bundle,
    make_settings,
)
from tests.support.servers import run_module, wait_until


@pytest.fixture
def own_client(portal, tmp_path):
    """A client of its own (not the shared one) that recycles after two jobs."""
    client = PortalClient.from_settings(
        make_settings(portal, tmp_path / "artifacts", emr_session_max_jobs=2)
    )
    yield client
    client.close()


def test_from_settings_is_cheap_and_unknown_portal_is_a_clear_error(portal, tmp_path):
    client = PortalClient.from_settings(make_settings(portal, tmp_path))
    assert client.driver is None  # no browser until the first job
    with pytest.raises(UnknownPortal, match="demo_emr"):
        PortalClient.from_settings(make_settings(portal, tmp_path, emr_portal="acme_emr"))


def test_browser_is_reused_then_recycled_after_max_jobs(own_client, portal):
    bundle = full_bundle()
    timings = []
    logins = portal.stats()["logins"]  # counted since the portal started, not since reset
    for _ in range(3):
        started = time.monotonic()
        own_client.upsert(bundle)
        timings.append(time.monotonic() - started)
    # Job 1 started the browser; job 2 reused it and hit the cap; job 3 needed a new one.
    assert own_client.browsers_started == 2
    assert portal.stats()["logins"] - logins == 2
    print(
        f"\ncold create {timings[0]:.2f}s, warm no-op {timings[1]:.2f}s, cold no-op {timings[2]:.2f}s"
    )


def test_cold_versus_warm_full_create(own_client, portal):
    bundle = full_bundle()
    started = time.monotonic()
    own_client.upsert(bundle)
    cold = time.monotonic() - started
    portal.reset()
    started = time.monotonic()
    own_client.upsert(bundle)
    warm = time.monotonic() - started
    print(f"\ncold full create {cold:.2f}s, warm full create {warm:.2f}s")
    assert own_client.browsers_started == 1


def test_a_dead_browser_is_replaced_before_the_next_job(own_client, portal):
    bundle = full_bundle()
    own_client.upsert(bundle)
    own_client.driver.quit()  # the browser died between jobs (OOM killer, crash)
    result = own_client.upsert(bundle)
    assert own_client.browsers_started == 2
    assert chart_of(portal, result.emr_patient_id) == expected_chart(bundle, result.emr_patient_id)


def test_session_expired_between_jobs_logs_in_again(client, portal):
    bundle = full_bundle()
    client.upsert(bundle)
    # Sessions now last 5 s: long enough for a no-op job after a fresh login on an idle
    # machine, and expiry is judged on each request, so the knob stays while the job runs
    # (a loaded machine may need another login mid-job: at least one, not exactly one).
    portal.faults(session_seconds=5)

    def expired() -> bool:
        client.driver.get(portal.url + "/patients")
        return "/login" in client.driver.current_url

    wait_until(expired, timeout=20, interval=0.2, what="the session to expire")
    logins = portal.stats()["logins"]
    result = client.upsert(bundle)
    assert result.changed_fields == []
    assert portal.stats()["logins"] > logins


def _cli(command: str, portal, data_dir, *extra: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "EMR_USERNAME": "frontdesk",
        "EMR_PASSWORD": "demo-password",
        "SYNC_ENCRYPTION_KEY": ENCRYPTION_KEY,  # captures are encrypted; no key = no capture
        "SYNC_DATA_DIR": str(data_dir),
        "EMR_ARTIFACT_DIR": str(data_dir / "artifacts"),
        "LOG_LEVEL": "WARNING",
    }
    bundle = ("--bundle", str(SAMPLE), "--url", portal.url)
    return run_module("portal_pages", command, *bundle, *extra, env=env, timeout=120)


def test_cli_diff_then_upsert(portal, tmp_path):
    diff = _cli("diff", portal, tmp_path)
    assert diff.returncode == 0, diff.stderr[-2000:]
    assert json.loads(diff.stdout) == {
        "emr_patient_id": None,
        "created": True,
        "changed_fields": json.loads(diff.stdout)["changed_fields"],
        "not_stored": [],  # demo_emr holds every section and field
    }
    assert portal.writes() == []
    up = _cli("upsert", portal, tmp_path)
    out = json.loads(up.stdout)
    assert up.returncode == 0 and out["created"] is True
    missing = _cli("upsert", portal, tmp_path, "--emr-id", "MRN-999999")
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"] == "chart_not_found"
    assert len(list((tmp_path / "artifacts").iterdir())) == 2  # screenshot + HTML, encrypted


def test_whats_new_pop_up_after_login_is_dismissed(own_client, portal, caplog):
    caplog.set_level("INFO", logger="portal_pages")
    portal.faults(whats_new_rate=1.0)
    bundle = full_bundle()
    result = own_client.upsert(bundle)
    assert chart_of(portal, result.emr_patient_id) == expected_chart(bundle, result.emr_patient_id)
    assert any("what's-new" in r.getMessage() for r in caplog.records)
