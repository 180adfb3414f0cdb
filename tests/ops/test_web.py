"""``/metrics`` and ``/status`` in the real web app, on real RabbitMQ and Redis."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet

from syncapp.audit import Attempt, AuditTrail
from syncapp.sfid import to_18
from tests.support.broker import take_messages
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis

FAILED = to_18("a0B5e00000AbCdE")
SYNCED = to_18("a0B5e00000XyZab")
ADMIN = ("ops", "admin-test-pw")


@pytest.fixture
def app(monkeypatch, tmp_path):
    require_rabbitmq()
    require_redis()
    monkeypatch.setenv("SYNC_BACKEND", "external")
    monkeypatch.setenv("SYNC_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ADMIN_BASIC_AUTH", ":".join(ADMIN))
    monkeypatch.setenv("METRICS_TOKEN", "scraper-token-123")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost")
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("AUDIT_DATABASE_URL", url)
    from syncapp.opsconfig import get_ops_settings

    get_ops_settings.cache_clear()
    clear_redis_namespace()
    from syncapp.web.app import create_app

    app = create_app()
    from syncapp.web.services import services

    with app.app_context():
        from syncapp import celery_config
        from syncapp.enqueue import declare_topology

        declare_topology(services().enqueue.app)
        take_messages(celery_config.SYNC_QUEUE)
    trail = AuditTrail.from_url(url)
    trail.record(Attempt(record_id=SYNCED, outcome="synced", emr_patient_id="MRN-7", duration=2.5))
    trail.record(Attempt(record_id=FAILED, outcome="failed", failure_kind="invalid_bundle"))
    yield app
    get_ops_settings.cache_clear()


def test_metrics_need_admin_or_the_scraper_token(app):
    from syncapp.metrics.record import Metrics
    from syncapp.web.ops_services import OPS_EXTENSION

    metrics = Metrics(app.extensions[OPS_EXTENSION].metric_store)
    metrics.inc("jobs", outcome="synced")
    metrics.observe("step_duration", 0.3, step="demographics")
    c = app.test_client()
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = c.get("/metrics", headers={"Authorization": "Bearer scraper-token-123"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"
    text = ok.get_data(as_text=True)
    assert 'emr_sync_jobs_total{outcome="synced"} 1.0' in text
    assert 'emr_sync_step_duration_seconds_bucket{le="0.5",step="demographics"} 1.0' in text
    assert 'emr_sync_step_duration_seconds_bucket{le="0.25",step="demographics"} 0.0' in text
    assert 'emr_sync_step_duration_seconds_count{step="demographics"} 1.0' in text
    assert "emr_sync_broker_up 1.0" in text
    assert 'emr_sync_queue_depth{queue="sync"} 0.0' in text
    assert "emr_sync_dead_letter_depth" in text and "emr_sync_session_slots_in_use 0.0" in text
    assert c.get("/metrics", auth=ADMIN).status_code == 200


def test_status_lists_failures_and_resync_enqueues_with_csrf(app):
    from syncapp import celery_config

    c = app.test_client()
    assert c.get("/status").status_code == 401
    page = c.get("/status", auth=ADMIN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert FAILED in html and "invalid or missing data" in html and "Resync" in html
    assert SYNCED in html and "MRN-7" in html and "<svg" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    origin = {"Origin": "http://localhost"}
    form = {"record_id": FAILED, "csrf_token": "forged"}
    assert c.post("/status/resync", data=form, auth=ADMIN, headers=origin).status_code == 400
    assert take_messages(celery_config.SYNC_QUEUE) == []
    form["csrf_token"] = token
    foreign = {"Origin": "http://evil.example"}
    assert c.post("/status/resync", data=form, auth=ADMIN, headers=foreign).status_code == 403
    done = c.post("/status/resync", data=form, auth=ADMIN, headers=origin)
    assert done.status_code == 303 and f"resynced={FAILED}" in done.location
    jobs = take_messages(celery_config.SYNC_QUEUE)
    assert len(jobs) == 1 and jobs[0]["body"][0] == [FAILED]
    bad = {"record_id": "not-an-id", "csrf_token": token}
    assert c.post("/status/resync", data=bad, auth=ADMIN, headers=origin).status_code == 400


def test_status_shows_the_drift_check(app):
    from syncapp.metrics.record import Metrics
    from syncapp.ops.checks import record_drift
    from syncapp.web.ops_services import OPS_EXTENSION
    from syncapp.web.services import EXTENSION

    c = app.test_client()
    assert "not run yet" in c.get("/status", auth=ADMIN).get_data(as_text=True)
    missing = [{"page": "ChartPage", "selector": "_mrn", "locator": "id=chart-mrn"}]
    report = {"portal": "demo_emr", "ok": False, "missing": missing, "screens": []}
    metrics = Metrics(app.extensions[OPS_EXTENSION].metric_store)
    record_drift(app.extensions[EXTENSION].store, metrics, report, at=1_700_000_000.0)
    html = c.get("/status", auth=ADMIN).get_data(as_text=True)
    assert "DRIFT: ChartPage._mrn" in html
    scraped = c.get("/metrics", auth=ADMIN).get_data(as_text=True)
    assert "emr_sync_drift_check_ok 0.0" in scraped
