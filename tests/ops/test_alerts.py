"""Alerts reach a real SMTP server and a real HTTP endpoint, once per kind and subject."""

from __future__ import annotations

import pytest

from syncapp.alerts import Alert, send
from syncapp.kv import SQLiteStore
from syncapp.opsconfig import OpsSettings
from syncapp.sfid import to_18
from tests.support.sinks import http_sink, smtp_sink

# Local SMTP and HTTP servers on loopback: not the in-process unit lane.
pytestmark = pytest.mark.services

RECORD = to_18("a0B5e00000AbCdE")
OTHER = to_18("a0B5e00000XyZab")


@pytest.fixture
def store(tmp_path):
    return SQLiteStore(tmp_path / "store.sqlite")


def _settings(smtp_port: int, hook: str, **kw) -> OpsSettings:
    return OpsSettings(
        alert_smtp_host="127.0.0.1",
        alert_smtp_port=smtp_port,
        alert_smtp_to="oncall@clinic.example, backup@clinic.example",
        alert_webhook_url=hook,
        **kw,
    )


def test_alert_reaches_both_sinks_once(store):
    with smtp_sink() as (port, mails), http_sink() as (hook, posts):
        s = _settings(port, hook)
        assert send(Alert("record_failed", RECORD, "invalid_bundle"), settings=s, store=store) == [
            "smtp",
            "webhook",
        ]
        assert send(Alert("record_failed", RECORD, "invalid_bundle"), settings=s, store=store) == []
        assert send(Alert("record_failed", OTHER, "portal_rejected"), settings=s, store=store)
        assert len(mails) == 2 and len(posts) == 2
    mail = mails[0]
    assert mail["Subject"] == f"[sf-emr-sync] record_failed: {RECORD}"
    assert "oncall@clinic.example" in mail["To"] and "invalid_bundle" in mail.get_payload()
    assert posts[0] == {
        "text": f"[sf-emr-sync] record_failed: {RECORD}",
        "kind": "record_failed",
        "subject": RECORD,
        "detail": "invalid_bundle",
    }


def test_rate_limit_per_channel(store):
    with smtp_sink() as (port, mails), http_sink() as (hook, posts):
        s = _settings(port, hook, alert_rate_per_hour=2)
        for i in range(4):
            send(
                Alert("record_failed", to_18(f"a0B5e00000AbC{i:02d}"), "x"), settings=s, store=store
            )
        assert len(mails) == 2 and len(posts) == 2


def test_a_channel_down_does_not_stop_the_other_nor_swallow_the_next_try(store):
    with smtp_sink() as (port, mails), http_sink(status=500) as (hook, posts):
        s = _settings(port, hook)
        assert send(Alert("drift", "demo_emr", "SearchPage._results"), settings=s, store=store) == [
            "smtp"
        ]
        assert len(posts) == 1 and len(mails) == 1
    # Nothing delivered at all: the dedupe marker is released, the next occurrence is sent.
    s = _settings(1, "http://127.0.0.1:1/hook")
    assert send(Alert("queue_stalled", "sync", "900s"), settings=s, store=store) == []
    with smtp_sink() as (port, mails), http_sink() as (hook, posts):
        s = _settings(port, hook)
        assert send(Alert("queue_stalled", "sync", "900s"), settings=s, store=store)
        assert len(mails) == 1


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Alert("patient_name_changed", RECORD)
