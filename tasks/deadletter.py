"""The dead-letter queue: jobs that need a person, replayed with ``celery -A tasks resync --failed``.

Two roads lead here. A job that failed permanently (or ran out of retries) is
published here by the task itself, after Salesforce was told why: a small JSON
message with the record id and the failure kind. A message that keeps killing
workers exceeds the quorum queue's delivery limit and is dead-lettered here by
RabbitMQ itself, as the original Celery task message. Both carry the record id
and nothing else of the patient.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import celeryconfig
from tasks.celery_app import app


def publish(record_id: str, *, task: str, kind: str, job_id: str | None) -> None:
    """Park a record that needs a person; raises if the broker does not confirm."""
    body = {"record_id": record_id, "task": task, "kind": kind, "job_id": job_id, "at": time.time()}
    with app.producer_or_acquire() as producer:
        producer.publish(
            body,
            exchange=celeryconfig.dead_exchange,
            routing_key=celeryconfig.DEAD_QUEUE,
            declare=[celeryconfig.dead_queue],
            serializer="json",
            delivery_mode=2,
            retry=True,
        )


@dataclass
class DeadLetter:
    record_id: str | None
    task: str
    kind: str


def _decode(message) -> DeadLetter:
    headers = message.headers or {}
    payload = message.body
    if isinstance(payload, bytes | str):
        payload = json.loads(payload)
    if "task" in headers:  # a Celery task message dead-lettered by RabbitMQ
        args = payload[0] if isinstance(payload, list) and payload else []
        task = headers["task"]
        record = args[0] if task == "tasks.sync_patient" and args else (args[-1] if args else None)
        return DeadLetter(record, task, "delivery_limit")
    return DeadLetter(payload.get("record_id"), payload.get("task", "?"), payload.get("kind", "?"))


def drain(*, keep: bool = False) -> list[DeadLetter]:
    """Take every dead letter off the queue (or, with ``keep``, look and put them back)."""
    letters: list[DeadLetter] = []
    with app.connection_for_write() as conn:
        queue = celeryconfig.dead_queue(conn.default_channel)
        queue.declare()
        held = []
        while True:
            message = queue.get(no_ack=False)
            if message is None:
                break
            letters.append(_decode(message))
            held.append(message)
        for message in held:
            if keep:
                message.requeue()
            else:
                message.ack()
    return letters
