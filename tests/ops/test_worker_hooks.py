"""The worker's task-signal hooks: a failed job raises the right alerts and counts."""

from __future__ import annotations

import pytest
from celery import signals
from cryptography.fernet import Fernet

from syncapp.errors import ReauthorizationRequired
from syncapp.metrics.record import field
from syncapp.sfid import to_18
from tests.support.services import clear_redis_namespace, require_redis
from tests.support.sinks import http_sink, smtp_sink

RECORD = to_18("a0B5e00000AbCdE")
pytestmark = pytest.mark.services  # Redis holds the dedupe markers and the counters


@pytest.fixture
def hooks(monkeypatch, tmp_path):
    require_redis()
    clear_redis_namespace()
    from syncapp.opsconfig import get_ops_settings
    from tasks import ops_hooks

    monkeypatch.setenv("SYNC_BACKEND", "external")
    monkeypatch.setenv("SYNC_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("AUDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.sqlite'}")
    with smtp_sink() as (port, mails), http_sink() as (hook, posts):
        monkeypatch.setenv("ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ALERT_SMTP_PORT", str(port))
        monkeypatch.setenv("ALERT_SMTP_TO", "oncall@clinic.example")
        monkeypatch.setenv("ALERT_WEBHOOK_URL", hook)
        get_ops_settings.cache_clear()
        monkeypatch.setattr(ops_hooks, "_ops", None)
        yield ops_hooks, mails, posts
    get_ops_settings.cache_clear()
    clear_redis_namespace()


def test_a_job_failed_for_lost_salesforce_access_alerts_both_kinds(hooks):
    ops_hooks, mails, posts = hooks
    from tasks.sync import sync_patient

    signals.task_failure.send(
        sender=sync_patient,
        task_id="job-1",
        exception=ReauthorizationRequired(),
        args=[RECORD],
        kwargs={},
        traceback=None,
        einfo=None,
    )
    assert sorted((p["kind"], p["subject"]) for p in posts) == [
        ("record_failed", RECORD),
        ("token_refresh", "salesforce"),
    ]
    assert len(mails) == 2
    stored = ops_hooks.ops().metrics.store.all()
    assert stored[field("c", "jobs", outcome="failed")] == 1
    assert stored[field("c", "alerts", channel="webhook", kind="token_refresh")] == 1


def test_dead_letters_are_counted_by_kind_on_metrics(hooks):
    """Each letter the watcher sees is one count of its kind (and nothing of the patient)."""
    ops_hooks, _, _ = hooks
    from syncapp.metrics.exposition import render
    from tasks import deadletter

    for kind in ("invalid_bundle", "invalid_bundle", "unreported_portal_unavailable"):
        letter = deadletter.DeadLetter(RECORD, "tasks.sync_patient", kind)
        assert deadletter.on_dead_letter(letter) is False  # parked by a task: no report
    text = render(ops_hooks.ops().metrics.store).decode()
    assert 'emr_sync_dead_letters_total{kind="invalid_bundle"} 2.0' in text
    assert 'emr_sync_dead_letters_total{kind="unreported_portal_unavailable"} 1.0' in text
    assert RECORD not in text
