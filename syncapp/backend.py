"""Which broker, result backend and store a process uses: chosen once, at its start.

``SYNC_BACKEND=external`` is RabbitMQ + Redis (what production runs: with
``SYNC_ENV=production`` even ``auto`` means external). ``embedded`` is SQLite
files under ``SYNC_DATA_DIR`` (kombu's ``sqla+sqlite`` transport, a ``db+sqlite``
result backend and ``SQLiteStore``), for demos and trials: it loses the running
job if the whole worker is killed with SIGKILL. ``auto`` probes RabbitMQ and
Redis once and picks one of the two, for ``make demo`` on any machine.

The choice is made by ``choose`` when a process starts (the web factory, the
Celery app's configuration, a script) and never changes while the process runs:
a web app that switched its markers to SQLite during an outage while Celery
still published to RabbitMQ acknowledged notifications with no job behind them.
Importing this module touches nothing.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlparse

from syncapp.kv import KeyValueStore, RedisStore, SQLiteStore
from syncapp.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backend:
    kind: str  # "external" | "embedded"
    broker_url: str
    result_backend: str
    redis_url: str | None

    @property
    def embedded(self) -> bool:
        return self.kind == "embedded"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1.0
        ):
            return True
    except OSError:
        return False


def _mode(settings: Settings) -> str:
    mode = settings.sync_backend
    if mode != "auto":
        return mode
    if settings.production:
        return "external"  # production never falls back to files on one machine
    ok = _reachable(settings.celery_broker_url, 5672) and _reachable(settings.redis_url, 6379)
    return "external" if ok else "embedded"


def resolve(settings: Settings) -> Backend:
    """The backend these settings describe (``auto`` probes the network once)."""
    if _mode(settings) == "external":
        return Backend(
            "external", settings.celery_broker_url, settings.redis_url, settings.redis_url
        )
    data = settings.sync_data_dir
    data.mkdir(parents=True, exist_ok=True)
    return Backend(
        "embedded",
        f"sqla+sqlite:///{data / 'broker.sqlite'}",
        f"db+sqlite:///{data / 'results.sqlite'}",
        None,
    )


_chosen: Backend | None = None
_choosing = threading.Lock()


def choose(settings: Settings) -> Backend:
    """This process's backend: resolved at the first call, the same ever after."""
    global _chosen
    with _choosing:
        if _chosen is None:
            _chosen = resolve(settings)
            _announce(_chosen)
        return _chosen


def _announce(backend: Backend) -> None:
    if backend.embedded:
        log.warning(
            "RabbitMQ/Redis not used: running on the embedded SQLite default. "
            "It is for demos and trials: a job running when the whole worker is "
            "killed (SIGKILL) is lost.",
            extra={"step": "startup", "backend": "embedded"},
        )
    else:
        log.info("Using RabbitMQ and Redis", extra={"step": "startup", "backend": "external"})


def open_store(backend: Backend, settings: Settings) -> KeyValueStore:
    """The shared key-value store of ``backend`` (a new client; connects on first use)."""
    if backend.redis_url:
        # Keys share the queues' prefix, so that several deployments (or a demo
        # beside ``make up``) can share one Redis without reading each other's tokens.
        return RedisStore(backend.redis_url, namespace=settings.sync_queue_prefix)
    return SQLiteStore(settings.sync_data_dir / "store.sqlite")
