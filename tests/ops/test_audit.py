"""The audit trail on SQLite and PostgreSQL: names in clear, values encrypted, append-only."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal_pages.changes import FieldChange
from syncapp.audit import Attempt
from tests.support.servers import run_module

KEY = Fernet.generate_key().decode()
RECORD = "a0B5e00000AbCdEFGH"
SECRET_VALUES = ("Zebulonqx", "(555) 867-5309", "CANARY99887766")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("SYNC_ENCRYPTION_KEY", KEY)


def _create() -> Attempt:
    return Attempt(
        record_id=RECORD,
        outcome="synced",
        job_id="job-1",
        emr_patient_id="MRN-000042",
        chart_created=True,
        timings={"read_salesforce": 0.12, "demographics": 1.5},
        duration=2.0,
        changes=[
            FieldChange("demographics.first_name", None, "Zebulonqx"),
            FieldChange("insurance.primary.member_id", None, "CANARY99887766"),
        ],
        not_stored=["patient.preferred_language"],
    )


def _update() -> Attempt:
    return Attempt(
        record_id=RECORD,
        outcome="synced",
        job_id="job-2",
        emr_patient_id="MRN-000042",
        changes=[FieldChange("guardians.0.phone", "(555) 000-0000", "(555) 867-5309")],
    )


def _dump(trail) -> str:
    with trail.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM sync_attempts")).fetchall()
        rows += conn.execute(text("SELECT * FROM field_changes")).fetchall()
    return repr(rows)


def test_create_and_update_rows_hold_names_and_ciphertext(trail):
    trail.record(_create())
    trail.record(_update())
    trail.record(Attempt(record_id=RECORD, outcome="failed", failure_kind="portal_rejected"))
    got = list(trail.attempts(since=datetime.now(UTC) - timedelta(hours=1)))
    assert [a["outcome"] for a in got] == ["synced", "synced", "failed"]
    create, update, failed = got
    assert create["chart_created"] and create["emr_patient_id"] == "MRN-000042"
    assert [(c["section"], c["field"]) for c in create["changes"]] == [
        ("demographics", "first_name"),
        ("insurance", "primary.member_id"),
    ]
    assert create["timings_ms"] == {"read_salesforce": 120, "demographics": 1500}
    assert create["not_stored"] == ["patient.preferred_language"]
    assert [(c["section"], c["field"]) for c in update["changes"]] == [("guardians", "0.phone")]
    assert failed["failure_kind"] == "portal_rejected" and failed["changes"] == []
    # Values are unreadable in the database and readable only with the key.
    raw = _dump(trail)
    assert "first_name" in raw and not any(v in raw for v in SECRET_VALUES)
    token = bytes(update["changes"][0]["new_value"])
    assert Fernet(KEY.encode()).decrypt(token).decode() == "(555) 867-5309"
    with pytest.raises(Exception):  # noqa: B017 - any wrong key fails
        Fernet(Fernet.generate_key()).decrypt(token)
    assert create["changes"][0]["old_value"] is None


def test_rows_cannot_be_updated(trail):
    trail.record(_create())
    with pytest.raises(DBAPIError, match="append-only"):
        with trail.engine.begin() as conn:
            conn.execute(text("UPDATE sync_attempts SET outcome = 'failed'"))
    with pytest.raises(DBAPIError, match="append-only"):
        with trail.engine.begin() as conn:
            conn.execute(text("UPDATE field_changes SET field = 'x'"))


def test_status_queries(trail):
    trail.record(Attempt(record_id=RECORD, outcome="failed", failure_kind="invalid_bundle"))
    other = "a0B5e00000ZzZzZZZZ"
    trail.record(Attempt(record_id=other, outcome="failed", failure_kind="portal_rejected"))
    trail.record(Attempt(record_id=other, outcome="retrying", failure_kind="portal_unavailable"))
    trail.record(Attempt(record_id=other, outcome="synced", emr_patient_id="MRN-1"))
    assert [r["record_id"] for r in trail.failing()] == [RECORD]  # the other one recovered
    assert [r["outcome"] for r in trail.recent(2)] == ["synced", "retrying"]
    days = trail.per_day(3)
    assert len(days) == 3 and days[-1][1:] == (1, 2)


def _export(audit_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "AUDIT_DATABASE_URL": audit_url,
        "SYNC_ENCRYPTION_KEY": KEY,
        "SYNC_ENV": "development",
    }
    return run_module("syncapp.audit", "export", *args, env=env, timeout=60)


def test_export_names_and_ids_then_decrypt_with_a_warning(trail, audit_url):
    trail.record(_create())
    trail.record(_update())
    trail.record(Attempt(record_id="a0B5e00000ZzZzZZZZ", outcome="synced"))
    today = datetime.now(UTC).date().isoformat()

    out = _export(audit_url, "--since", today, "--record", RECORD)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["job_id"], r["section"], r["field"]) for r in lines] == [
        ("job-1", "demographics", "first_name"),
        ("job-1", "insurance", "primary.member_id"),
        ("job-2", "guardians", "0.phone"),
    ]
    assert not any(v in out.stdout for v in SECRET_VALUES) and "WARNING" not in out.stderr

    as_csv = _export(audit_url, "--since", today, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 4 and rows[0]["record_id"] == RECORD
    assert not any(v in as_csv.stdout for v in SECRET_VALUES)

    clear = _export(audit_url, "--since", today, "--record", RECORD, "--decrypt")
    assert clear.returncode == 0 and "WARNING" in clear.stderr
    values = [json.loads(line)["new_value"] for line in clear.stdout.splitlines()]
    assert values == ["Zebulonqx", "CANARY99887766", "(555) 867-5309"]

    future = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    assert _export(audit_url, "--since", future).stdout == ""
    assert _export(audit_url, "--since", "yesterday").returncode == 2


def test_prune_removes_only_rows_older_than_the_retention(trail):
    old = Attempt(
        record_id=RECORD, outcome="synced", changes=[FieldChange("notes.0.text", None, "x")]
    )
    old.at = datetime.now(UTC) - timedelta(days=400)
    trail.record(old)
    trail.record(_update())
    assert trail.prune(365) == 1
    left = list(trail.attempts(since=datetime.now(UTC) - timedelta(days=1000)))
    assert [a["job_id"] for a in left] == ["job-2"] and len(left[0]["changes"]) == 1


def test_retention_cannot_be_set_below_a_year():
    from pydantic import ValidationError

    from syncapp.opsconfig import OpsSettings

    with pytest.raises(ValidationError):
        OpsSettings(audit_retention_days=30)
