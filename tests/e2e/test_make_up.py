"""``make up`` leaves everything running for a person: Flower behind basic auth, the EMR, the org.

Headless Chromium takes a screenshot of Flower's task list and of the synced
chart in the sandbox EMR, to prove both render; Flower shows record ids and no
patient data. ``make down`` stops it all.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from syncapp.settings import Settings
from tests.support.bundles import without_ids
from tests.support.servers import free_port, wait_until
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sandbox" / "samples" / "liam-st-james.json"
FLOWER = ("ops", "flower-pw")


def _closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def up(tmp_path):
    require_rabbitmq()
    require_redis()
    clear_redis_namespace()  # hygiene only: a fresh org mints fresh ids (test_fresh_org)
    ports = {name: free_port() for name in ("WEB_PORT", "EMR_PORT", "ORG_PORT", "FLOWER_PORT")}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "STACK_DIR": str(tmp_path / "up"),
        "FLOWER_BASIC_AUTH": ":".join(FLOWER),
        "SYNC_BACKEND": "external",
    }
    run = [sys.executable, "-m", "scripts.stack"]
    started = subprocess.run(
        [*run, "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr[-3000:]
        yield ports, started.stdout, tmp_path
    finally:
        down = subprocess.run(
            [*run, "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert down.returncode == 0
        for port in ports.values():
            wait_until(lambda p=port: _closed(p), timeout=30, what=f"port {port} to close")


def test_up_shows_flower_and_the_chart(up):
    ports, banner, tmp = up
    flower = f"http://127.0.0.1:{ports['FLOWER_PORT']}"
    org = f"http://127.0.0.1:{ports['ORG_PORT']}"
    emr = f"http://127.0.0.1:{ports['EMR_PORT']}"
    for url in (flower, org, emr, "ops / flower-pw", "frontdesk / demo-password"):
        assert url in banner

    bundle = without_ids(json.loads(SAMPLE.read_text()))  # a new patient: the org assigns ids
    record_id = requests.post(f"{org}/__sandbox__/patients", json=bundle, timeout=10).json()["id"]
    record = wait_until(
        lambda: (
            (r := requests.get(f"{org}/__sandbox__/patients/{record_id}", timeout=10).json())[
                "sync"
            ]["status"]
            == "Synced"
            and r
        ),
        timeout=120,
        what="the sample patient to sync",
        interval=0.3,
    )
    mrn = record["sync"]["emr_patient_id"]
    patient_values = [
        bundle["patient"]["last_name"],
        bundle["patient"]["phone"],
        bundle["insurance"][0]["member_id"],
        bundle["notes"][0]["text"][:20],
    ]

    # Flower: closed without credentials, and its task API shows ids, not patients.
    assert requests.get(f"{flower}/api/tasks", timeout=10).status_code == 401
    tasks = wait_until(
        lambda: (
            record_id in (t := requests.get(f"{flower}/api/tasks", auth=FLOWER, timeout=10)).text
            and t.text
        ),
        timeout=60,
        what="Flower to list the task",
        interval=0.3,
    )
    assert not [v for v in patient_values if v in tasks]

    from portal_pages import PortalClient
    from portal_pages.core.driver import quit_driver, start_driver

    settings = Settings(
        emr_url=emr,
        emr_username="frontdesk",
        emr_password="demo-password",
        emr_artifact_dir=tmp / "artifacts",
    )
    driver = start_driver(settings)
    try:
        import base64

        token = base64.b64encode(":".join(FLOWER).encode()).decode()
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}
        )
        driver.get(f"{flower}/tasks")
        wait_until(
            lambda: record_id in driver.page_source,
            timeout=30,
            what="Flower's task table",
            interval=0.2,
        )
        shot = tmp / "flower-tasks.png"
        assert driver.save_screenshot(str(shot))
        assert record_id in driver.page_source
        assert not [v for v in patient_values if v in driver.page_source]
        assert shot.stat().st_size > 10_000
    finally:
        quit_driver(driver)

    # The chart, as a person sees it in the EMR (the page objects open it; a no-op run).
    client = PortalClient.from_settings(settings)
    try:
        from syncapp.bundle import validate_bundle

        keys = ("salesforce_id", "emr_patient_id", "patient", "guardians", "insurance", "notes")
        bundle_now = validate_bundle({k: record[k] for k in keys})
        result = client.upsert(bundle_now, emr_patient_id=mrn, record_id=record_id)
        assert result.changed_fields == [] and result.emr_patient_id == mrn
        assert mrn in client.driver.page_source
        shot = tmp / "emr-chart.png"
        assert client.driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        client.close()
    keep = ROOT / ".data" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    for name in ("flower-tasks.png", "emr-chart.png"):
        (keep / name).write_bytes((tmp / name).read_bytes())
