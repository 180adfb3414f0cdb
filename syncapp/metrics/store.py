"""Where the workers' counters live between scrapes: Redis, or SQLite when embedded.

Why not prometheus-client's multiprocess mode: it shares counters through files
in one directory, so it only works when the web app and every worker run on one
host. Here they are separate containers (docker-compose) or dynos (Procfile),
and they already share Redis — so workers add to Redis hashes and the web app
reads them at scrape time. One ``HINCRBYFLOAT`` per event; a scrape is one
``HGETALL``. Keys carry the deployment's prefix like every other key we write.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol

import redis

from syncapp.backend import Backend
from syncapp.settings import Settings


class MetricStore(Protocol):
    def add(self, field: str, amount: float = 1.0) -> None: ...
    def add_many(self, amounts: dict[str, float]) -> None: ...
    def put(self, field: str, value: float) -> None: ...
    def all(self) -> dict[str, float]: ...


class RedisMetricStore:
    def __init__(self, url: str, namespace: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key = f"{namespace}:metrics"

    def add(self, field: str, amount: float = 1.0) -> None:
        self.client.hincrbyfloat(self.key, field, amount)

    def add_many(self, amounts: dict[str, float]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for field, amount in amounts.items():
            pipe.hincrbyfloat(self.key, field, amount)
        pipe.execute()

    def put(self, field: str, value: float) -> None:
        self.client.hset(self.key, field, value)

    def all(self) -> dict[str, float]:
        return {k.decode(): float(v) for k, v in self.client.hgetall(self.key).items()}


class SQLiteMetricStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._local = threading.local()
        self._conn().execute(
            "CREATE TABLE IF NOT EXISTS metrics (field TEXT PRIMARY KEY, value REAL NOT NULL)"
        )

    def _conn(self) -> sqlite3.Connection:
        if getattr(self._local, "conn", None) is None:
            self._local.conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        return self._local.conn

    def add(self, field: str, amount: float = 1.0) -> None:
        self._conn().execute(
            "INSERT INTO metrics VALUES (?, ?) "
            "ON CONFLICT(field) DO UPDATE SET value = value + excluded.value",
            (field, amount),
        )

    def add_many(self, amounts: dict[str, float]) -> None:
        for field, amount in amounts.items():
            self.add(field, amount)

    def put(self, field: str, value: float) -> None:
        self._conn().execute("INSERT OR REPLACE INTO metrics VALUES (?, ?)", (field, value))

    def all(self) -> dict[str, float]:
        return dict(self._conn().execute("SELECT field, value FROM metrics").fetchall())


def open_metric_store(backend: Backend, settings: Settings) -> MetricStore:
    """The metric store of ``backend`` (a new client; connects on first use)."""
    if backend.redis_url:
        return RedisMetricStore(backend.redis_url, settings.sync_queue_prefix)
    return SQLiteMetricStore(settings.sync_data_dir / "metrics.sqlite")
