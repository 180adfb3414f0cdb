"""The portal's own SQLite database: charts, server-side sessions and the write log.

One short-lived connection per request, because the server is threaded and a
sqlite3 connection must not be shared across threads. WAL mode plus a busy
timeout lets concurrent browser sessions read while another one saves.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g

# Chart numbers of a fresh database start somewhere in [floor, floor + span): nine
# digits, so an MRN still reads as MRN-<digits> and the space is wide enough that two
# databases' numbers do not meet.
_MRN_FLOOR = 100_000_000
_MRN_SPAN = 800_000_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    username TEXT,
    created_at REAL NOT NULL,
    login_at REAL,
    last_activity REAL NOT NULL,
    whats_new INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS patients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    middle_name TEXT,
    last_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    street TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    first_key TEXT NOT NULL,
    last_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS patients_by_name ON patients (last_key, first_key);
CREATE TABLE IF NOT EXISTS guardians (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS coverages (
    patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    rank TEXT NOT NULL,
    payer TEXT NOT NULL,
    member_id TEXT NOT NULL,
    group_number TEXT,
    subscriber_name TEXT,
    subscriber_relationship TEXT NOT NULL,
    effective_date TEXT,
    PRIMARY KEY (patient_id, rank)
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    written_on TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    reference TEXT
);
CREATE TABLE IF NOT EXISTS writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    emr_patient_id TEXT NOT NULL,
    section TEXT NOT NULL,
    field TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    # A sandbox: losing the last write to a power cut is fine; an fsync per request is not.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def init_db(path: str) -> None:
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
        _seed_mrns(conn)
    finally:
        conn.close()


def _seed_mrns(conn: sqlite3.Connection) -> None:
    """Start a fresh database's chart numbers at a random point.

    A real EMR never hands out an MRN twice, and clients remember MRNs (Salesforce
    records keep them, the sync service remembers the chart it created). Two fresh
    sandbox databases in a row therefore must not both start at MRN-000001.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        seeded = conn.execute("SELECT 1 FROM sqlite_sequence WHERE name = 'patients'").fetchone()
        if seeded is None:
            start = _MRN_FLOOR + secrets.randbelow(_MRN_SPAN)
            conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('patients', ?)", (start,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def get_db() -> sqlite3.Connection:
    """The request's connection, opened on first use and closed at teardown."""
    if "emr_db" not in g:
        g.emr_db = connect(current_app.config["EMR_DB"])
    return g.emr_db


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("emr_db", None)
    if conn is not None:
        conn.close()


@contextmanager
def transaction() -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` so that a save is all-or-nothing and writers queue, not fail."""
    conn = get_db()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
