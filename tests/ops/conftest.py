"""Fixtures for the operations tests: audit trails on SQLite and on the machine's PostgreSQL.

PostgreSQL is real (127.0.0.1:5432, database ``test``); each test gets a schema of
its own through the connection's ``search_path``, dropped afterwards, so runs in
parallel never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from syncapp.audit import AuditTrail
from tests.support.services import require

PG_BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema."""
    require("PostgreSQL", "127.0.0.1", 5432)
    schema = f"audit_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def trail(audit_url) -> Iterator[AuditTrail]:
    t = AuditTrail.from_url(audit_url)
    yield t
    t.engine.dispose()
