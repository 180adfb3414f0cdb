"""Writing and reading the audit trail (``syncapp.audit.schema``) through SQLAlchemy.

The worker calls ``AuditTrail.record`` once per attempt; the status page and the
export read. Values are encrypted with the product's key (``syncapp.crypto``)
before they reach the database, and decrypted only by ``export --decrypt``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, create_engine, func, insert, select
from sqlalchemy.engine import Engine

from syncapp.audit import schema
from syncapp.crypto import get_fernet
from syncapp.opsconfig import OpsSettings
from syncapp.settings import Settings

OUTCOMES = ("synced", "retrying", "failed")


@dataclass
class Attempt:
    """What one sync attempt did; ``changes`` are ``portal_pages.changes.FieldChange``s."""

    record_id: str
    outcome: str
    job_id: str | None = None
    attempt: int = 0
    emr_patient_id: str | None = None
    failure_kind: str | None = None
    reason: str | None = None
    chart_created: bool = False
    not_stored: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds
    duration: float = 0.0
    changes: Iterable = ()
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def audit_url(ops: OpsSettings, settings: Settings) -> str:
    """``AUDIT_DATABASE_URL``, else a SQLite file in ``SYNC_DATA_DIR``."""
    if ops.audit_database_url:
        return ops.audit_database_url
    data = settings.sync_data_dir
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'audit.sqlite'}"


def _encrypt(value: str | None) -> bytes | None:
    return None if value is None else get_fernet().encrypt(value.encode())


class AuditTrail:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        schema.create_all(engine)

    @classmethod
    def from_url(cls, url: str) -> AuditTrail:
        kwargs = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        return cls(create_engine(url, **kwargs))

    # --- writing (insert only) ---------------------------------------------------------
    def record(self, a: Attempt) -> int:
        """Append one attempt and its field changes in one transaction; return its id."""
        if a.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {a.outcome!r}")
        with self.engine.begin() as conn:
            attempt_id = conn.execute(
                insert(schema.attempts).values(
                    at=a.at,
                    record_id=a.record_id,
                    job_id=a.job_id,
                    attempt=a.attempt,
                    emr_patient_id=a.emr_patient_id,
                    outcome=a.outcome,
                    failure_kind=a.failure_kind,
                    reason=(a.reason or None) and a.reason[:300],
                    chart_created=a.chart_created,
                    not_stored=list(a.not_stored),
                    timings_ms={k: round(v * 1000) for k, v in a.timings.items()},
                    duration_ms=round(a.duration * 1000),
                    worker=a.worker[:200],
                )
            ).inserted_primary_key[0]
            rows = [
                {
                    "attempt_id": attempt_id,
                    "section": c.section,
                    "field": c.field,
                    "old_value": _encrypt(c.old),
                    "new_value": _encrypt(c.new),
                }
                for c in a.changes
            ]
            if rows:
                conn.execute(insert(schema.changes), rows)
        return attempt_id

    # --- reading ----------------------------------------------------------------------
    def attempts(self, *, since: datetime, record_id: str | None = None) -> Iterator[dict]:
        """Attempts since ``since`` (oldest first), each with its ``changes`` (ciphertext)."""
        t, c = schema.attempts, schema.changes
        cond = t.c.at >= since
        if record_id:
            cond = and_(cond, t.c.record_id == record_id)
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(cond).order_by(t.c.at, t.c.id)).mappings().all()
            ids = [r["id"] for r in rows]
            per: dict[int, list[dict]] = {}
            for i in range(0, len(ids), 500):
                q = select(c).where(c.c.attempt_id.in_(ids[i : i + 500])).order_by(c.c.id)
                for ch in conn.execute(q).mappings():
                    per.setdefault(ch["attempt_id"], []).append(dict(ch))
        for r in rows:
            yield {**dict(r), "changes": per.get(r["id"], [])}

    def recent(self, limit: int) -> list[dict]:
        t = schema.attempts
        with self.engine.connect() as conn:
            q = select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(q).mappings()]

    def failing(self, limit: int = 50) -> list[dict]:
        """Records whose latest attempt failed for good, newest first."""
        t = schema.attempts
        latest = (
            select(t.c.record_id, func.max(t.c.id).label("last"))
            .where(t.c.outcome != "retrying")
            .group_by(t.c.record_id)
            .subquery()
        )
        q = (
            select(t)
            .join(latest, t.c.id == latest.c.last)
            .where(t.c.outcome == "failed")
            .order_by(t.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def per_day(self, days: int, today: date | None = None) -> list[tuple[date, int, int]]:
        """``(day, synced, failed)`` for the last ``days`` days (UTC), oldest first."""
        today = today or datetime.now(UTC).date()
        start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), UTC)
        t = schema.attempts
        counts: dict[date, list[int]] = {
            today - timedelta(days=i): [0, 0] for i in range(days - 1, -1, -1)
        }
        q = select(t.c.at, t.c.outcome).where(
            and_(t.c.at >= start, t.c.outcome.in_(("synced", "failed")))
        )
        with self.engine.connect() as conn:
            for at, outcome in conn.execute(q):
                day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()
                if day in counts:
                    counts[day][0 if outcome == "synced" else 1] += 1
        return [(d, s, f) for d, (s, f) in counts.items()]

    def prune(self, older_than_days: int) -> int:
        """Delete attempts older than the retention (operator command only)."""
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        t, c = schema.attempts, schema.changes
        with self.engine.begin() as conn:
            old = select(t.c.id).where(t.c.at < cutoff)
            conn.execute(c.delete().where(c.c.attempt_id.in_(old)))
            return conn.execute(t.delete().where(t.c.at < cutoff)).rowcount


def open_audit(ops: OpsSettings, settings: Settings) -> AuditTrail:
    """The audit trail these settings name (creates its tables if missing)."""
    return AuditTrail.from_url(audit_url(ops, settings))
