"""Operations end to end: audit rows in PostgreSQL, /metrics, alerts and /status with Resync.

Real processes (both sandboxes, the web app, a Celery worker), real RabbitMQ,
Redis and PostgreSQL, a real headless Chromium on the status page, and alerts
delivered to a local SMTP server and a local HTTP endpoint.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from cryptography.fernet import Fernet
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, text

from portal_pages.core.driver import quit_driver, start_driver
from syncapp.settings import Settings
from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle, with_ids
from tests.support.servers import wait_until
from tests.support.services import require
from tests.support.sinks import http_sink, smtp_sink

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEY = Fernet.generate_key().decode()
TOKEN = "scrape-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def ops_system(stack_factory):
    require("PostgreSQL", "127.0.0.1", 5432)
    schema = f"audit_e2e_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    with smtp_sink() as (smtp_port, mails), http_sink() as (hook, posts):
        stack = stack_factory(
            extra_env={
                "AUDIT_DATABASE_URL": url,
                "SYNC_ENCRYPTION_KEY": KEY,
                "METRICS_TOKEN": TOKEN,
                "ALERT_SMTP_HOST": "127.0.0.1",
                "ALERT_SMTP_PORT": str(smtp_port),
                "ALERT_SMTP_TO": "oncall@clinic.example",
                "ALERT_WEBHOOK_URL": hook,
            }
        ).start()
        yield Driver(stack), create_engine(url), mails, posts
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _attempts(engine, record_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM sync_attempts WHERE record_id = :r ORDER BY id"), {"r": record_id}
        ).mappings()
        out = [dict(r) for r in rows]
        for a in out:
            a["changes"] = [
                dict(c)
                for c in conn.execute(
                    text("SELECT * FROM field_changes WHERE attempt_id = :a ORDER BY id"),
                    {"a": a["id"]},
                ).mappings()
            ]
    return out


def _metric(text_: str, series: str) -> float:
    for line in text_.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def _scrape(system: Driver) -> str:
    r = requests.get(
        f"{system.stack.web_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert r.status_code == 200
    return r.text


def test_create_and_update_are_audited_in_postgresql_and_counted(ops_system):
    system, engine, _, _ = ops_system
    before = _scrape(system)
    bundle = make_bundle(41)
    ids = system.create_patient(bundle)
    record_id = ids["id"]
    system.wait_quiet()
    mrn = system.assert_chart_equals_record(record_id)

    changed = with_ids(bundle, ids)
    changed["guardians"][0]["phone"] = "(555) 777-0142"
    system.update_patient(changed)
    system.wait_quiet()
    wait_until(lambda: len(_attempts(engine, record_id)) >= 2, timeout=30, what="two audit rows")

    create, update = _attempts(engine, record_id)[-2:]
    assert (create["outcome"], create["chart_created"], create["emr_patient_id"]) == (
        "synced",
        True,
        mrn,
    )
    names = {(c["section"], c["field"]) for c in create["changes"]}
    assert {("demographics", "last_name"), ("guardians", "0.phone")} <= names
    assert {"read_salesforce", "portal_upsert"} <= set(create["timings_ms"])
    assert create["worker"] and create["job_id"]
    assert [(c["section"], c["field"]) for c in update["changes"]] == [("guardians", "0.phone")]
    assert update["chart_created"] is False
    # Values are ciphertext; the product's key reads them.
    with engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM field_changes")).fetchall())
    assert "777-0142" not in dump and bundle["patient"]["last_name"] not in dump
    change = update["changes"][0]
    assert Fernet(KEY.encode()).decrypt(bytes(change["new_value"])).decode() == "(555) 777-0142"
    assert (
        Fernet(KEY.encode()).decrypt(bytes(change["old_value"])).decode()
        == bundle["guardians"][0]["phone"]
    )

    after = _scrape(system)
    synced = 'emr_sync_jobs_total{outcome="synced"}'
    assert _metric(after, synced) - _metric(before, synced) == 2
    for step in ("read_salesforce", "login", "demographics", "guardians", "callback"):
        count = f'emr_sync_step_duration_seconds_count{{step="{step}"}}'
        assert _metric(after, count) > _metric(before, count), step
    assert re.search(r"^emr_sync_queue_depth\{queue=\"sync\"\} 0\.0$", after, re.M)
    assert requests.get(f"{system.stack.web_url}/metrics", timeout=10).status_code in (200, 401)


def _invalid(n: int) -> dict:
    bundle = make_bundle(n)
    bundle["patient"]["date_of_birth"] = "2999-01-01"
    return bundle


def test_failed_record_alerts_and_resync_on_the_status_page_makes_it_synced(ops_system):
    system, engine, mails, posts = ops_system
    bundle = _invalid(42)
    ids = system.create_patient(bundle)
    record_id = ids["id"]
    system.wait_quiet()
    assert system.sf_patient(record_id)["sync"]["status"] == "Failed"
    assert _attempts(engine, record_id)[-1]["failure_kind"] == "invalid_bundle"

    # The alert reached both sinks, with the record id and the kind only.
    wait_until(
        lambda: (
            any(record_id in m["Subject"] for m in mails)
            and any(p.get("subject") == record_id for p in posts)
        ),
        timeout=30,
        what="the alert at both sinks",
    )
    post = next(p for p in posts if p.get("subject") == record_id)
    assert post["kind"] == "record_failed" and post["detail"] == "invalid_bundle"
    mail = next(m for m in mails if record_id in m["Subject"])
    assert "2999" not in mail.as_string() and bundle["patient"]["last_name"] not in mail.as_string()

    # Staff fix the data with notifications held: only the Resync button can sync it.
    system.org_control("notifications/pause")
    fixed = with_ids(bundle, ids)
    fixed["patient"]["date_of_birth"] = "2016-04-05"
    system.update_patient(fixed)

    settings = Settings(_env_file=None, emr_page_timeout=20)
    driver = start_driver(settings)
    try:
        driver.get(f"{system.stack.web_url}/status")
        row = driver.find_element(By.CSS_SELECTOR, f'#failed tr[data-record="{record_id}"]')
        assert "invalid or missing data" in row.text
        assert "2999" not in driver.page_source
        assert driver.find_element(By.ID, "sync-chart").tag_name == "svg"
        assert "worker-" in driver.find_element(By.ID, "workers").text  # answered the ping
        row.find_element(By.CSS_SELECTOR, "button.resync").click()
        wait_until(
            lambda: driver.find_elements(By.ID, "flash"), timeout=20, what="the resync notice"
        )

        def synced() -> bool:
            driver.get(f"{system.stack.web_url}/status")
            latest = driver.find_elements(
                By.CSS_SELECTOR, f'#recent tr[data-record="{record_id}"] td.outcome'
            )
            return bool(latest) and latest[0].text == "Synced"

        wait_until(synced, timeout=120, what="the record to show Synced", interval=0.5)
        assert not driver.find_elements(By.CSS_SELECTOR, f'#failed tr[data-record="{record_id}"]')
    finally:
        quit_driver(driver)
        system.org_control("notifications/resume")
    system.wait_quiet()
    assert system.sf_patient(record_id)["sync"]["status"] == "Synced"
    system.assert_chart_equals_record(record_id)


def test_scheduled_drift_check_catches_the_knob_on_status_metrics_and_alerts(ops_system):
    """What beat sends every CHECK_EVERY minutes, run now by a worker against a drifted portal."""
    system, _, mails, posts = ops_system
    assert system.charts(), "the walk needs a chart (made by the first test)"
    system.emr_faults(drift=1)
    try:
        sent = system.celery("call", "tasks.drift_check")
        assert sent.returncode == 0, sent.stderr[-2000:]
        wait_until(
            lambda: any(p.get("kind") == "drift" for p in posts),
            timeout=120,
            what="the drift alert",
            interval=0.5,
        )
    finally:
        system.emr_faults(drift=0)
    post = next(p for p in posts if p.get("kind") == "drift")
    assert post["subject"] == "demo_emr" and post["detail"] == "ChartPage._mrn"
    assert any("drift" in m["Subject"] for m in mails)
    status = requests.get(f"{system.stack.web_url}/status", timeout=10).text
    assert "DRIFT: ChartPage._mrn" in status
    assert "emr_sync_drift_check_ok 0.0" in _scrape(system)
