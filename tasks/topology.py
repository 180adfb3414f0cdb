"""Declare every exchange and queue the service uses (idempotent, safe at every start)."""

from __future__ import annotations

import celeryconfig
from tasks.celery_app import app


def declare_all() -> None:
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in app.conf.task_queues:
            queue(channel).declare()
        celeryconfig.dead_queue(channel).declare()
