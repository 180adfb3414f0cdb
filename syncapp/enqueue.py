"""Publishing a sync job by task *name*: the seam between the web app and the workers.

The web app, the ``resync`` command and scripts publish through an ``Enqueuer``
built on a Celery app configured from ``syncapp.celery_config`` for the process's backend
(``celery_for``). Jobs are sent by name (``tasks.sync_patient`` chained to
``tasks.report_to_salesforce``), so nothing here imports ``tasks``: the publisher
and the workers agree on names, queues and routes through ``syncapp.celery_config`` only.

A job's only argument is the Salesforce record id, harmless by itself (Celery's
retry drops ``argsrepr``, so arguments must not need hiding). On RabbitMQ the
publish is confirmed (publisher confirms): ``enqueue`` returns only once the
broker has the message, and raises ``EnqueueFailed`` otherwise.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Celery
from kombu.exceptions import OperationalError

from syncapp import celery_config
from syncapp.backend import Backend
from syncapp.errors import EnqueueFailed

SYNC_TASK = "tasks.sync_patient"
REPORT_TASK = "tasks.report_to_salesforce"
REPLAY_TASK = "tasks.replay_parked"  # the dead letters of one failure kind, resynced


def celery_for(backend: Backend, main: str = "sf-emr-sync") -> Celery:
    """A Celery app with our settings on ``backend``; builds objects only, connects to nothing."""
    app = Celery(main, set_as_current=False)
    app.config_from_object(celery_config)
    app.add_defaults(celery_config.backend_config(backend))
    return app


def declare_topology(app: Celery) -> None:
    """Declare every exchange and queue (idempotent), so nothing is published into the void."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in app.conf.task_queues:
            queue(channel).declare()
        app.conf.sync_dead_queue(channel).declare()
        app.conf.sync_dead_watch_queue(channel).declare()


class Enqueuer:
    """``enqueue(record_id, job_id=None) -> job id`` on one Celery app (thread-safe)."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self._declared = False
        self._lock = threading.Lock()

    def __call__(self, record_id: str, job_id: str | None = None) -> str:
        try:
            self._declare_once()
            first = self.app.signature(SYNC_TASK, args=(record_id,), immutable=True)
            if job_id:
                first = first.set(task_id=job_id)
            result: Any = (first | self.app.signature(REPORT_TASK, args=(record_id,))).apply_async()
        except (OperationalError, OSError, ConnectionError) as exc:
            raise EnqueueFailed(f"broker did not accept the job ({type(exc).__name__})") from None
        return result.parent.id if result.parent is not None else result.id

    def check_broker(self, timeout: float = 2.0) -> None:
        """Raise unless the broker accepts a connection within ``timeout`` seconds."""
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)

    def _declare_once(self) -> None:
        with self._lock:
            if not self._declared:
                declare_topology(self.app)
                self._declared = True


def replay_parked(app: Celery, kind: str) -> None:
    """Ask a worker to resync every record parked for ``kind`` (by task name);
    ``EnqueueFailed`` when the broker does not take the request."""
    try:
        app.signature(REPLAY_TASK, args=(kind,), immutable=True).apply_async()
    except (OperationalError, OSError, ConnectionError) as exc:
        raise EnqueueFailed(f"broker did not accept the replay ({type(exc).__name__})") from None
