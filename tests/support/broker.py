"""Look inside this test run's RabbitMQ queues: what was published, and nothing else."""

from __future__ import annotations

import json

from kombu import Connection, Queue


def take_messages(queue_name: str, *, limit: int = 1000) -> list[dict]:
    """Remove and return every message in ``queue_name`` (headers, body, raw bytes)."""
    from tasks.celery_app import app

    out = []
    with Connection(app.conf.broker_url) as conn:
        channel = conn.channel()
        queue = Queue(queue_name, channel=channel, no_declare=True)
        for _ in range(limit):
            message = queue.get(no_ack=True, accept=["json"])
            if message is None:
                break
            raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
            out.append(
                {
                    "headers": dict(message.headers or {}),
                    "body": json.loads(raw) if raw else None,
                    "raw": raw + json.dumps(message.headers or {}, default=str).encode(),
                }
            )
    return out


def queue_depth(queue_name: str) -> int:
    from tasks.celery_app import app

    with Connection(app.conf.broker_url) as conn:
        try:
            _, count, _ = conn.channel().queue_declare(queue_name, passive=True)
        except conn.channel_errors:
            return 0
        return count


QUEUE_NAMES = ("sync", "report", "dead", "dead.watch")


def delete_queues(prefix: str, broker_url: str) -> bool:
    """Delete a run's queues and exchanges (``<prefix>.*``) from a shared RabbitMQ.

    Best effort, for clean-up after a test run, a demo or a benchmark: a queue
    never declared is skipped, and no broker at all returns False.
    """
    try:
        with Connection(broker_url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            for name in QUEUE_NAMES:
                try:
                    channel.queue_delete(f"{prefix}.{name}")
                except Exception:  # noqa: BLE001 - never declared: nothing to delete
                    channel = conn.channel()  # the failed call closed the channel
            for exchange in (prefix, f"{prefix}.dlx"):
                try:
                    channel.exchange_delete(exchange)
                except Exception:  # noqa: BLE001 - never declared
                    channel = conn.channel()
    except Exception:  # noqa: BLE001 - no broker here: nothing was declared
        return False
    return True
