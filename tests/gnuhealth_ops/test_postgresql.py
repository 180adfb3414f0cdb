"""GNU Health on PostgreSQL (``GNUHEALTH_DB_URI=postgresql://...``), in a database of its own.

The installer runs as on SQLite (database created, ``health`` activated, the
same configure step), trytond serves it, and the adapter contract's create and
no-op rerun pass through it (``tests/contract``, the same fixture class). The
database and its pristine template are dropped at the end. The machine's
PostgreSQL is only ever connected to, never stopped.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from portal_pages import PortalClient
from portal_pages.core.us import COMMON_PAYERS
from scripts.gnuhealth import pg
from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.server import drop, up
from tests.contract import test_contract as contract
from tests.contract.gnuhealth import GnuHealthContract
from tests.support.servers import free_port
from tests.support.services import require

# Installing into a new database takes minutes on a loaded machine (trytond-admin).
pytestmark = [pytest.mark.services, pytest.mark.long, pytest.mark.timeout(1200)]

# What scripts/gnuhealth/configure.py creates (it runs in GNU Health's Python, not importable here).
COMPANY, INSURERS = "Sandbox Clinic", COMMON_PAYERS
PG_URI = os.environ.get("TEST_GNUHEALTH_DB_URI", "postgresql://postgres@127.0.0.1:5432/")


def _sql(database: str, query: str) -> list:
    """Read GNU Health's tables in PostgreSQL itself, not through trytond."""
    engine = create_engine(f"{PG_URI.replace('postgresql:', 'postgresql+psycopg:')}{database}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query)))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_gnuhealth() -> Iterator[GnuHealthContract]:
    where = urlsplit(PG_URI)
    require("PostgreSQL", where.hostname or "127.0.0.1", where.port or 5432)
    layout = Layout.from_env(
        {
            **os.environ,
            "GNUHEALTH_DB_URI": PG_URI,
            "GNUHEALTH_DATABASE": f"gh_test_{uuid.uuid4().hex[:8]}",
            "GNUHEALTH_PORT": str(free_port()),
        }
    )
    try:
        t0 = time.monotonic()
        up(layout)  # the venv and SAO are shared; the database is new
        print(f"\nGNU Health on PostgreSQL: installed and up in {time.monotonic() - t0:.0f} s")
        yield GnuHealthContract(layout)
    finally:
        drop(layout)
    for name in (layout.database, layout.pristine_database):
        assert not pg.exists(layout, name), f"{name} left behind"
    assert not layout.pidfile.exists() and not layout.conf.exists()


def test_installed_into_postgresql_and_configured(pg_gnuhealth):
    layout = pg_gnuhealth.layout
    assert not layout.db_file.exists()  # nothing went to SQLite
    assert pg.exists(layout, layout.pristine_database)
    for database in (layout.database, layout.pristine_database):
        insurers = _sql(database, "SELECT name FROM party_party WHERE is_insurance_company")
        assert sorted(r[0] for r in insurers) == sorted(INSURERS)
        assert _sql(database, "SELECT count(*) FROM country_subdivision")[0][0] >= 50
        company = "SELECT p.name FROM company_company c JOIN party_party p ON p.id = c.party"
        assert [r[0] for r in _sql(database, company)] == [COMPANY]


def test_the_adapter_creates_a_chart_a_rerun_writes_nothing_and_reset_empties_it(
    pg_gnuhealth, tmp_path, monkeypatch
):
    emr, layout = pg_gnuhealth, pg_gnuhealth.layout
    monkeypatch.setenv("EMR_GNUHEALTH_DATABASE", layout.database)
    with PortalClient.from_settings(emr.settings(tmp_path)) as client:
        contract.test_upsert_creates_and_a_rerun_writes_nothing(emr, client)
    (mrn,) = emr.charts()
    assert _sql(layout.database, f"SELECT ref FROM party_party WHERE ref = '{mrn}'") == [(mrn,)]

    t0 = time.monotonic()
    emr.reset()  # CREATE DATABASE ... TEMPLATE the pristine one, trytond restarted
    print(f"\nGNU Health on PostgreSQL: reset in {time.monotonic() - t0:.1f} s")
    assert emr.charts() == []
