"""Declare every exchange and queue the service uses (idempotent, safe at every start)."""

from __future__ import annotations

from tasks.celery_app import app
from tasks.deadletter import dead_queue


def declare_all() -> None:
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in app.conf.task_queues:
            queue(channel).declare()
        dead_queue()(channel).declare()
