"""SQLite persistence for the org: records, OAuth grants, the notification queue, logs.

One connection shared by every thread, serialised by a re-entrant lock: the
sandbox's load is a handful of requests at a time, and a single writer makes
read-modify-write sequences (DML, token rotation, queue claims) atomic without
any retry logic. ``transaction()`` is the unit of atomicity callers use.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.salesforce_org import ids

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    object TEXT NOT NULL,
    parent_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_object ON records(object);
CREATE INDEX IF NOT EXISTS records_parent ON records(parent_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- access | refresh
    refresh_hash TEXT,             -- the refresh token an access token came from
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL,               -- NULL: does not expire (refresh tokens)
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_codes (
    hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    scope TEXT NOT NULL,
    user_id TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    object TEXT NOT NULL,
    state TEXT NOT NULL,           -- pending | delivered
    batch_id TEXT,                 -- fixed at the first attempt; retries resend the batch
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    created_at REAL NOT NULL,
    delivered_at REAL,
    duplicate INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications(state, next_at);
CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS callbacks (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
"""


class Store:
    """The org's database. All methods are thread-safe."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._depth = 0
        with self._lock:
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)
        self.id_seed = int(self.claim("id_seed", lambda: str(ids.new_seed())))

    # --- plumbing --------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one SQLite transaction; nested calls join the outer one."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def next_counter(self, name: str) -> int:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO counters(name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            return self._conn.execute(
                "SELECT value FROM counters WHERE name = ?", (name,)
            ).fetchone()[0]

    def next_id(self, prefix: str, counter: str) -> tuple[str, int]:
        """The next id of key prefix ``prefix`` from counter ``counter``, and the number.

        Ids come from this database's own seed, so a fresh database never mints an
        id an earlier one did (counters are never reset, so neither does this one).
        """
        number = self.next_counter(counter)
        return ids.make_id(prefix, number, self.id_seed), number

    def claim(self, name: str, mint: Callable[[], str]) -> str:
        """The database's value for ``name``, minted and stored on first use.

        Identity that a real org keeps for life (its org id, the id seed) lives
        here, so it is new for a new database and the same after a restart.
        """
        with self.transaction():
            row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
            if row is not None:
                return row[0]
            value = mint()
            self._conn.execute("INSERT INTO meta(name, value) VALUES (?, ?)", (name, value))
            return value

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- records ---------------------------------------------------------------

    def get_record(self, record_id: str) -> dict[str, Any] | None:
        rows = self.execute("SELECT data FROM records WHERE id = ?", (record_id,))
        return json.loads(rows[0]["data"]) if rows else None

    def put_record(self, obj: str, record: dict[str, Any], parent_id: str | None) -> None:
        self.execute(
            "INSERT INTO records(id, object, parent_id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data, parent_id = excluded.parent_id",
            (record["Id"], obj, parent_id, json.dumps(record)),
        )

    def records(self, obj: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        """All records of ``obj`` (deleted ones too), in creation order."""
        if parent_id is None:
            rows = self.execute("SELECT data FROM records WHERE object = ? ORDER BY rowid", (obj,))
        else:
            rows = self.execute(
                "SELECT data FROM records WHERE object = ? AND parent_id = ? ORDER BY rowid",
                (obj, parent_id),
            )
        return [json.loads(r["data"]) for r in rows]

    # --- append-only logs ------------------------------------------------------

    def log(self, table: str, entry: dict[str, Any]) -> None:
        if table not in ("deliveries", "callbacks"):
            raise ValueError(table)
        self.execute(f"INSERT INTO {table}(data) VALUES (?)", (json.dumps(entry),))  # noqa: S608

    def read_log(self, table: str) -> list[dict[str, Any]]:
        if table not in ("deliveries", "callbacks"):
            raise ValueError(table)
        rows = self.execute(f"SELECT data FROM {table} ORDER BY seq")  # noqa: S608
        return [json.loads(r["data"]) for r in rows]

    def wipe(self, *tables: str) -> None:
        allowed = {
            "records",
            "counters",
            "notifications",
            "deliveries",
            "callbacks",
            "tokens",
            "auth_codes",
        }
        with self.transaction():
            for table in tables:
                if table not in allowed:
                    raise ValueError(table)
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608
