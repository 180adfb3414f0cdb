"""The dead-letter queue: jobs that need a person, replayed with ``celery -A tasks resync --failed``.

Two roads lead here. A job that failed permanently (or ran out of retries) is
published here by the task itself, after Salesforce was told why: a small JSON
message with the record id and the failure kind. A message that keeps killing
workers exceeds the quorum queue's delivery limit and is dead-lettered here by
RabbitMQ itself, as the original Celery task message. Both carry the record id
and nothing else of the patient.

Every dead letter is also copied to a watch queue, consumed by each worker
(``DeadLetterWatcher``): a record that RabbitMQ parked — where no task code ran to
say so — gets a ``Failed`` status in Salesforce through ``report_to_salesforce``.
Letters the tasks parked themselves were already reported (or Salesforce could not
be told, which is what they record). The watcher counts every letter by kind.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from celery import bootsteps
from kombu import Consumer, Message

from syncapp import celery_config
from syncapp.enqueue import REPORT_TASK, SYNC_TASK
from syncapp.logs import log_context
from tasks.celery_app import app

log = logging.getLogger("tasks.deadletter")
DELIVERY_LIMIT = "delivery_limit"


def unreported(kind: str) -> str:
    """The kind of a letter whose record Salesforce could not be told about."""
    return f"unreported_{kind}"


def publish(record_id: str, *, task: str, kind: str, job_id: str | None) -> None:
    """Park a record that needs a person; raises if the broker does not confirm."""
    body = {"record_id": record_id, "task": task, "kind": kind, "job_id": job_id, "at": time.time()}
    with app.producer_or_acquire() as producer:
        producer.publish(
            body,
            exchange=celery_config.dead_exchange,
            routing_key=celery_config.DEAD_QUEUE,
            declare=[app.conf.sync_dead_queue],
            serializer="json",
            delivery_mode=2,
            retry=True,
        )


@dataclass
class DeadLetter:
    record_id: str | None
    task: str
    kind: str
    # The watcher's own Failed report hit the limit too: telling again would loop.
    repeat: bool = False


def _decode(message) -> DeadLetter:
    headers = message.headers or {}
    payload = message.body
    if isinstance(payload, bytes | str):
        payload = json.loads(payload)
    if "task" in headers:  # a Celery task message dead-lettered by RabbitMQ
        args = payload[0] if isinstance(payload, list) and payload else []
        task = headers["task"]
        record = args[0] if task == SYNC_TASK and args else (args[-1] if args else None)
        first = args[0] if args and isinstance(args[0], dict) else {}
        repeat = task == REPORT_TASK and first.get("kind") == DELIVERY_LIMIT
        return DeadLetter(record, task, DELIVERY_LIMIT, repeat)
    return DeadLetter(payload.get("record_id"), payload.get("task", "?"), payload.get("kind", "?"))


def drain(*, keep: bool = False, kinds: set[str] | None = None) -> list[DeadLetter]:
    """Take every dead letter off the queue (or, with ``keep``, look and put them back).

    ``kinds``: only letters of these failure kinds are taken; the others stay.
    """
    letters: list[DeadLetter] = []
    with app.connection_for_write() as conn:
        queue = app.conf.sync_dead_queue(conn.default_channel)
        queue.declare()
        held = []
        while True:
            message = queue.get(no_ack=False)
            if message is None:
                break
            letter = _decode(message)
            taken = kinds is None or letter.kind in kinds
            if taken:
                letters.append(letter)
            held.append((message, taken))
        for message, taken in held:
            if keep or not taken:
                message.requeue()
            else:
                message.ack()
    return letters


def enqueue_once(record_ids: Iterable[str | None], enqueue) -> list[tuple[str, str]]:
    """Enqueue each record once (a job and its report may both be parked):
    ``[(record id, job id)]``. Resyncing is safe: the sync is idempotent."""
    done: list[tuple[str, str]] = []
    for record_id in dict.fromkeys(r for r in record_ids if r):
        done.append((record_id, enqueue(record_id)))
    return done


def on_dead_letter(letter: DeadLetter) -> bool:
    """React to one dead letter; True when Salesforce was sent a ``Failed`` status for it."""
    with log_context(record_id=letter.record_id):
        log.warning("record dead-lettered", extra={"step": "dead_letter", "kind": letter.kind})
        _count(letter.kind)
        if letter.kind != DELIVERY_LIMIT or not letter.record_id:
            return False  # parked by a task, which told Salesforce (or recorded why not)
        if letter.task not in (SYNC_TASK, REPORT_TASK) or letter.repeat:
            return False
        failed = {
            "record_id": letter.record_id,
            "status": "Failed",
            "kind": DELIVERY_LIMIT,
            "error": "the sync job was stopped after it ended its worker again and again; "
            "a person must look (the chart may be half-written), then resync",
        }
        app.signature(REPORT_TASK, args=(failed, letter.record_id)).apply_async()
        from tasks.ops_hooks import dead_lettered  # audit row and alert (operations)

        dead_lettered(letter.record_id, letter.kind)
        return True


def _count(kind: str) -> None:
    """Dead letters by kind, on ``/metrics`` as ``emr_sync_dead_letters_total{kind=...}``.

    Counted here only, once per letter, whichever road it came by; best effort:
    the log has each one, and a metrics outage must not hold up the Failed report.
    """
    from tasks.ops_hooks import ops  # the worker's metric store (operations)

    try:
        ops().metrics.inc("dead_letters", kind=kind)
    except Exception:  # noqa: BLE001 - opening the stores may fail; inc itself never raises
        log.warning("dead letter not counted", extra={"step": "dead_letter", "kind": kind})


class DeadLetterWatcher(bootsteps.ConsumerStep):
    """Consumes the watch queue in every worker: each dead letter handled once."""

    def get_consumers(self, channel) -> list[Consumer]:
        queue = app.conf.sync_dead_watch_queue
        return [
            Consumer(
                channel,
                queues=[queue],
                callbacks=[self.on_message],
                accept=["json"],
                prefetch_count=10,
            )
        ]

    def on_message(self, body, message: Message) -> None:
        try:
            on_dead_letter(_decode(message))
        except Exception:  # noqa: BLE001 - the letter stays for the next attempt
            log.exception("dead letter not handled; requeued", extra={"step": "dead_letter"})
            message.requeue()
            return
        message.ack()


app.steps["consumer"].add(DeadLetterWatcher)
