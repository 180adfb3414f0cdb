"""A small key-value store with expiring keys and locks: Redis, or SQLite when embedded.

The pipeline needs four things from a shared store: dedupe markers for
notifications, "queued" markers for coalescing bursts, per-record locks, and
the (encrypted) OAuth token. Redis does all four; the SQLite store does the
same for ``make demo`` on a machine without Redis. Keys and values hold ids,
job ids and ciphertext only, never patient data.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import redis


class LockNotAcquired(Exception):
    """Raised when a lock is still held by someone else after the wait."""


class KeyValueStore(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None: ...
    def set_nx(self, key: str, value: bytes | str, ttl: float) -> bool: ...
    def delete(self, key: str) -> None: ...
    def incr(self, key: str, ttl: float | None = None) -> int: ...
    def renew(self, key: str, value: bytes | str, ttl: float) -> bool: ...
    def lock(
        self, name: str, timeout: float, wait: float, token: str | None = None
    ) -> Iterator[None]: ...


def _b(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


# Compare-and-extend, atomically: only the holder renews its lease.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class RedisStore:
    """The production store; locks are redis-py's ``Lock`` (token-checked release)."""

    def __init__(self, url: str, namespace: str = "") -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.ns = f"{namespace}:" if namespace else ""

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.ns + key)

    def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        self.client.set(self.ns + key, _b(value), px=int(ttl * 1000) if ttl else None)

    def set_nx(self, key: str, value: bytes | str, ttl: float) -> bool:
        return bool(self.client.set(self.ns + key, _b(value), nx=True, px=int(ttl * 1000)))

    def delete(self, key: str) -> None:
        self.client.delete(self.ns + key)

    def renew(self, key: str, value: bytes | str, ttl: float) -> bool:
        """Extend ``key``'s expiry to ``ttl`` if it still holds ``value`` (a lock's lease)."""
        return bool(self.client.eval(_RENEW, 1, self.ns + key, _b(value), int(ttl * 1000)))

    def incr(self, key: str, ttl: float | None = None) -> int:
        pipe = self.client.pipeline()
        pipe.incr(self.ns + key)
        if ttl:
            pipe.pexpire(self.ns + key, int(ttl * 1000))
        return int(pipe.execute()[0])

    @contextmanager
    def lock(
        self, name: str, timeout: float, wait: float, token: str | None = None
    ) -> Iterator[None]:
        lk = self.client.lock(self.ns + name, timeout=timeout, blocking_timeout=wait)
        if not lk.acquire(token=token):
            raise LockNotAcquired(name)
        try:
            yield
        finally:
            try:
                lk.release()
            except redis.exceptions.LockError:
                pass  # expired while held: the timeout already freed it


class SQLiteStore:
    """The embedded store: one SQLite file shared by the web app and the workers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._local = threading.local()
        with self._conn() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute(
                "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB, expires_at REAL)"
            )

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._local.conn = conn
        return conn

    def get(self, key: str) -> bytes | None:
        row = (
            self._conn()
            .execute(
                "SELECT value FROM kv WHERE key=? AND (expires_at IS NULL OR expires_at>?)",
                (key, time.time()),
            )
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        exp = time.time() + ttl if ttl else None
        self._conn().execute(
            "INSERT INTO kv(key,value,expires_at) VALUES(?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value, expires_at=excluded.expires_at",
            (key, _b(value), exp),
        )

    def set_nx(self, key: str, value: bytes | str, ttl: float) -> bool:
        now = time.time()
        cur = self._conn().execute(
            "INSERT INTO kv(key,value,expires_at) VALUES(?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value, expires_at=excluded.expires_at "
            "WHERE kv.expires_at IS NOT NULL AND kv.expires_at<=?",
            (key, _b(value), now + ttl, now),
        )
        return cur.rowcount == 1

    def delete(self, key: str) -> None:
        self._conn().execute("DELETE FROM kv WHERE key=?", (key,))

    def renew(self, key: str, value: bytes | str, ttl: float) -> bool:
        """Extend ``key``'s expiry to ``ttl`` if it still holds ``value`` (a lock's lease)."""
        now = time.time()
        cur = self._conn().execute(
            "UPDATE kv SET expires_at=? WHERE key=? AND value=? AND (expires_at IS NULL OR expires_at>?)",
            (now + ttl, key, _b(value), now),
        )
        return cur.rowcount == 1

    def incr(self, key: str, ttl: float | None = None) -> int:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = self.get(key)
            value = int(current or b"0") + 1
            self.set(key, str(value), ttl)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return value

    @contextmanager
    def lock(
        self, name: str, timeout: float, wait: float, token: str | None = None
    ) -> Iterator[None]:
        token = token or uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while not self.set_nx(name, token, timeout):
            if time.monotonic() >= deadline:
                raise LockNotAcquired(name)
            time.sleep(0.05)  # poll interval while another process holds the lock
        try:
            yield
        finally:
            self._conn().execute("DELETE FROM kv WHERE key=? AND value=?", (name, token.encode()))
