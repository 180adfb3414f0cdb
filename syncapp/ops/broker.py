"""Queue depths and worker liveness, read from the broker without importing the tasks.

The web app must not import ``tasks`` (dependency rule), so this asks the broker
directly: a passive declare gives a queue's depth without touching its messages
(peeking would count as a delivery on a quorum queue, and the dead-letter queue
must never lose one), and a publisher-side Celery app pings the workers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import Celery
from kombu import Connection

from syncapp.backend import Backend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Depths:
    sync: int | None
    report: int | None
    dead: int | None

    @property
    def reachable(self) -> bool:
        return self.sync is not None


def queue_names() -> tuple[str, str, str]:
    from syncapp import celery_config

    return celery_config.SYNC_QUEUE, celery_config.REPORT_QUEUE, celery_config.DEAD_QUEUE


def depths(backend: Backend, timeout: float = 2.0) -> Depths:
    """Messages waiting in the sync, report and dead-letter queues; ``None`` if unreachable."""
    out: list[int | None] = []
    try:
        with Connection(backend.broker_url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1)
            for name in queue_names():
                channel = conn.channel()
                try:
                    _, count, _ = channel.queue_declare(name, passive=True)
                    out.append(int(count))
                except conn.channel_errors:
                    out.append(0)  # not declared yet: nothing was ever queued
    except Exception:  # noqa: BLE001 - the status page shows the broker as down
        log.warning("broker unreachable", extra={"step": "ops"})
        return Depths(None, None, None)
    return Depths(*out)


def workers(app: Celery, timeout: float = 1.0) -> list[str] | None:
    """Names of the workers that answered a ping; ``None`` if the broker is unreachable.

    ``app``: the process's publisher app (its connection pool is reused across pings).
    """
    try:
        replies = app.control.ping(timeout=timeout) or []
        return sorted(name for reply in replies for name in reply)
    except Exception:  # noqa: BLE001
        log.warning("worker ping failed", extra={"step": "ops"})
        return None
