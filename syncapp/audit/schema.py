"""The audit trail's two tables, in SQLAlchemy Core so that SQLite and PostgreSQL share them.

``sync_attempts``: one row per sync attempt (ids, outcome, failure kind, step
timings, worker). ``field_changes``: one row per field an attempt wrote, its
section and name in clear, its value before and after as Fernet ciphertext.
Both tables are append-only: the database refuses ``UPDATE`` (a trigger), the
product never issues ``DELETE``, and only ``python -m syncapp.audit prune`` —
run by an operator — removes rows older than ``AUDIT_RETENTION_DAYS``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()
_id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only

attempts = Table(
    "sync_attempts",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("record_id", String(18), nullable=False),
    Column("job_id", String(64)),
    Column("attempt", Integer, nullable=False, default=0),
    Column("emr_patient_id", String(64)),
    Column("outcome", String(16), nullable=False),  # synced | retrying | failed
    Column("failure_kind", String(64)),
    Column("reason", String(300)),  # our own typed, value-free error text
    Column("chart_created", Boolean, nullable=False, default=False),
    Column("not_stored", JSON, nullable=False, default=list),
    Column("timings_ms", JSON, nullable=False, default=dict),
    Column("duration_ms", Integer, nullable=False, default=0),
    Column("worker", String(200), nullable=False),
    Index("ix_sync_attempts_at", "at"),
    Index("ix_sync_attempts_record", "record_id", "at"),
)

changes = Table(
    "field_changes",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("attempt_id", _id, ForeignKey("sync_attempts.id"), nullable=False, index=True),
    Column("section", String(32), nullable=False),
    Column("field", String(128), nullable=False),
    Column("old_value", LargeBinary),  # Fernet token, or NULL when there was none
    Column("new_value", LargeBinary),
)

_PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit rows are append-only'; END; $$ LANGUAGE plpgsql;
"""


def create_all(engine: Engine) -> None:
    """Create the tables and the append-only guards if missing (idempotent)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Workers start together: one of them creates, the others wait and see it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(74201101)"))
        metadata.create_all(conn)
        for table in (attempts.name, changes.name):
            if engine.dialect.name == "postgresql":
                conn.execute(text(_PG_GUARD))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}"))
                conn.execute(
                    text(
                        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_update()"
                    )
                )
            elif engine.dialect.name == "sqlite":
                conn.execute(
                    text(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
                    )
                )
