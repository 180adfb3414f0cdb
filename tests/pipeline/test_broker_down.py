"""When the broker cannot take a job, Salesforce gets no ack, and its retry is not lost."""

from __future__ import annotations

from celery import Celery

from syncapp.errors import EnqueueFailed
from tests.support.broker import take_messages
from tests.support.salesforce_messages import outbound_message, sf_id


def _dead_broker_enqueue(record_id: str, job_id: str) -> str:
    """Publish through a real Celery app whose broker port is closed."""
    dead = Celery("dead", broker="amqp://guest:guest@127.0.0.1:1//")
    dead.conf.broker_connection_timeout = 0.5
    dead.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0.1}
    try:
        return dead.send_task("tasks.sync_patient", args=[record_id], task_id=job_id).id
    except Exception as exc:
        raise EnqueueFailed(f"broker did not accept the job ({type(exc).__name__})") from None


def test_no_ack_when_enqueue_fails_and_the_retry_is_accepted(services):
    from syncapp.web.app import create_app

    body = outbound_message([(sf_id(9, "04l"), sf_id(9))])
    broken = create_app(enqueue=_dead_broker_enqueue).test_client()
    resp = broken.post("/salesforce/outbound-message", data=body, content_type="text/xml")
    assert resp.status_code == 503
    assert b"<Ack>true</Ack>" not in resp.data

    # Salesforce retries the same notification once the broker is back: it must be
    # treated as new (no dedupe or coalescing marker survived the failed attempt).
    resp = (
        create_app()
        .test_client()
        .post("/salesforce/outbound-message", data=body, content_type="text/xml")
    )
    assert resp.status_code == 200
    assert b"<Ack>true</Ack>" in resp.data
    assert len(take_messages(services.SYNC_QUEUE)) == 1
