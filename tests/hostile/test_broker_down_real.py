"""Broker down: the app's own publisher (no stand-in) pointed at a closed port.

The factory builds its real publisher (``Enqueuer`` on ``celery_for(backend)``) from
a backend whose broker URL is a closed port: the Outbound Message must get a 503
(no ack, so Salesforce retries), and no dedupe or coalescing marker may survive,
so that the retry, once the broker is back, is accepted as new.
"""

from __future__ import annotations

import time

import pytest

from syncapp.backend import Backend
from syncapp.kv import SQLiteStore
from tests.hostile.conftest import build_app, om_path
from tests.hostile.envelopes import NOTIFICATION, PATIENT, envelope, notification

pytestmark = pytest.mark.services

CLOSED = "amqp://guest:guest@127.0.0.1:1//"


def test_the_real_publisher_on_a_dead_broker_gets_no_ack_and_leaves_no_marker(
    monkeypatch, tmp_path
):
    from syncapp.web.app import create_app

    build_app(monkeypatch, tmp_path)  # production environment and secrets
    from syncapp.settings import Settings

    settings = Settings()
    store = SQLiteStore(tmp_path / "store.sqlite")
    dead = Backend("external", CLOSED, "redis://127.0.0.1:6379/9", None)
    app = create_app(settings=settings, backend=dead, store=store)  # real publisher
    body = envelope(notification(NOTIFICATION, PATIENT))
    started = time.monotonic()
    resp = app.test_client().post(om_path(), data=body, headers={"Content-Type": "text/xml"})
    assert resp.status_code == 503 and b"<Ack>true</Ack>" not in resp.data
    assert time.monotonic() - started < 30  # Salesforce's own timeout is longer

    published = []
    retry_app = create_app(
        settings=settings,
        backend=dead,
        store=store,
        enqueue=lambda record_id, job_id=None: published.append(record_id) or job_id,
    )
    resp = retry_app.test_client().post(om_path(), data=body, headers={"Content-Type": "text/xml"})
    assert resp.status_code == 200 and published == [PATIENT]
