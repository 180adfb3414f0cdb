"""Decide, once per process, whether we run on RabbitMQ + Redis or the embedded default.

``SYNC_BACKEND=auto`` (the default) probes the broker and Redis; when either is
unreachable the whole process uses SQLite files under ``SYNC_DATA_DIR`` (kombu's
``sqla+sqlite`` transport, a ``db+sqlite`` result backend and ``SQLiteStore``).
The embedded default is for demos and trials: it loses the running job if the
whole worker is killed with SIGKILL. The log says so at start-up.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlparse

from syncapp.kv import KeyValueStore, RedisStore, SQLiteStore
from syncapp.settings import Settings, get_settings

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


def resolve(settings: Settings) -> Backend:
    """Pick the backend for these settings (probing the network when ``auto``)."""
    mode = settings.sync_backend
    if mode == "auto":
        ok = _reachable(settings.celery_broker_url, 5672) and _reachable(settings.redis_url, 6379)
        mode = "external" if ok else "embedded"
    if mode == "external":
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


@lru_cache(maxsize=1)
def get_backend() -> Backend:
    backend = resolve(get_settings())
    if backend.embedded:
        log.warning(
            "RabbitMQ/Redis not used: running on the embedded SQLite default. "
            "It is for demos and trials: a job running when the whole worker is "
            "killed (SIGKILL) is lost.",
            extra={"step": "startup", "backend": "embedded"},
        )
    else:
        log.info("Using RabbitMQ and Redis", extra={"step": "startup", "backend": "external"})
    return backend


@lru_cache(maxsize=1)
def get_store() -> KeyValueStore:
    backend = get_backend()
    if backend.redis_url:
        # Keys share the queues' prefix, so that several deployments (or a demo
        # beside ``make up``) can share one Redis without reading each other's tokens.
        return RedisStore(backend.redis_url, namespace=get_settings().sync_queue_prefix)
    return SQLiteStore(get_settings().sync_data_dir / "store.sqlite")


def reset_caches() -> None:
    """For tests that change the environment between cases."""
    get_backend.cache_clear()
    get_store.cache_clear()
