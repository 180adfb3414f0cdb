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
