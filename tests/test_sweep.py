"""The sweep's decisions against the sandbox org's own records and SOQL, in process.

The org's data layer and SOQL evaluator run in this process (no server): the
sweep issues real SOQL text and reads real result rows, and jobs go through the
real coalescing intake on a SQLite store. The end-to-end proof, with beat and
workers, is ``tests/e2e/test_sweep.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.salesforce_org import bundle_map, schema, soql, values
from sandbox.salesforce_org.records import Records
from sandbox.salesforce_org.store import Store
from syncapp import keys
from syncapp.field_map import get_field_map
from syncapp.kv import SQLiteStore
from syncapp.sweep import SweepConfig, Sweeper, epoch
from tests.support.fixtures import make_bundle, with_ids

pytestmark = pytest.mark.unit


class OrgClock:
    """The org's own clock (``LastModifiedDate``, ``EMR_Last_Synced__c``), moved on by a test
    instead of waiting for real time to pass."""

    def __init__(self) -> None:
        self.ahead = 0.0
        self.stopped: datetime | None = None  # every change stamped the same instant

    def now(self) -> str:
        moment = self.stopped or datetime.now(UTC)
        return values.format_datetime(moment + timedelta(seconds=self.ahead))


@pytest.fixture(autouse=True)
def org_clock(monkeypatch) -> OrgClock:
    clock = OrgClock()
    monkeypatch.setattr(values, "now", clock.now)
    return clock


class World:
    def __init__(self, tmp_path, batch: int = 50) -> None:
        self.org = Records(Store(":memory:"), "0054W0000000001AAA", notify=lambda _p: None)
        self.store = SQLiteStore(tmp_path / "store.sqlite")
        self.queries: list[str] = []
        self.jobs: list[str] = []
        self.ahead = 2.0  # the sweep's clock runs ahead: every change is older than its cutoff
        self.sweeper = Sweeper(
            self._query,
            self.store,
            lambda record_id, _job: self.jobs.append(record_id),
            get_field_map(),
            SweepConfig(batch=batch, grace=0.0),
            clock=lambda: time.time() + self.ahead,
            query_all=lambda text: self._query(text, include_deleted=True),
        )

    def _query(self, text: str, include_deleted: bool = False) -> list[dict]:
        self.queries.append(text)
        evaluator = soql.Evaluator(self.org, "v62.0", include_deleted=include_deleted)
        return evaluator.run(soql.parse(text))["records"]

    def create(self, n: int) -> tuple[dict, dict]:
        bundle = make_bundle(n)
        return bundle, bundle_map.save_bundle(self.org, bundle)

    def read(self, record_id: str) -> None:
        """What the worker does when it reads the record: keep the org's time, whole seconds."""
        at = float(int(epoch(values.now())))
        self.store.set(keys.read_at(record_id), repr(at), ttl=3600)

    def synced(self, record_id: str) -> None:
        """What the worker does: the job starts (marker gone), then the Apex callback."""
        self.store.delete(keys.queued(record_id))
        self.org.update(
            schema.PATIENT,
            record_id,
            {
                "EMR_Sync_Status__c": "Synced",
                "EMR_Patient_Id__c": f"MRN-{record_id[-6:]}",
                "EMR_Last_Synced__c": values.now(),
            },
            notify=False,
        )

    def sweep(self) -> list[str]:
        before = len(self.jobs)
        self.sweeper.run_pass()
        self.ahead += 2.0  # the next pass is later
        return self.jobs[before:]


def test_unnotified_records_and_later_edits_are_found(tmp_path, org_clock):
    w = World(tmp_path)
    bundle, ids = w.create(1)
    assert w.sweep() == [ids["id"]]  # never synced
    w.synced(ids["id"])
    assert w.sweep() == []  # the callback's own change is not a change

    edited = with_ids(bundle, ids)
    edited["patient"]["phone"] = "(555) 404-0101"
    org_clock.ahead += 0.6  # an edit after the callback's tolerance
    bundle_map.save_bundle(w.org, edited)
    assert w.sweep() == [ids["id"]]


def test_a_child_edit_in_the_callbacks_own_millisecond_is_found(tmp_path, org_clock):
    w = World(tmp_path)
    bundle, ids = w.create(2)
    w.sweep()
    org_clock.stopped = datetime.now(UTC)  # the callback and the edit share a timestamp
    w.synced(ids["id"])
    edited = with_ids(bundle, ids)
    edited["guardians"][0]["phone"] = "(555) 404-0202"
    bundle_map.save_bundle(w.org, edited)
    assert w.sweep() == [ids["id"]]


def test_a_child_deleted_after_the_callback_is_found(tmp_path, org_clock):
    """An Outbound Message never fires for a deleted guardian: only the sweep sees it."""
    w = World(tmp_path)
    bundle, ids = w.create(4)
    w.sweep()
    w.synced(ids["id"])
    assert w.sweep() == []
    org_clock.ahead += 0.6
    w.org.delete(schema.GUARDIAN, ids["guardians"][0])  # to the recycle bin
    assert w.sweep() == [ids["id"]]


def test_a_child_changed_while_a_job_ran_is_found(tmp_path, org_clock):
    """Deleted after the job read the record, before its callback: not in the EMR."""
    w = World(tmp_path)
    _, ids = w.create(6)
    w.sweep()
    w.read(ids["id"])
    org_clock.ahead += 1.2
    w.org.delete(schema.GUARDIAN, ids["guardians"][0])
    org_clock.ahead += 0.3
    w.synced(ids["id"])  # the callback of the job that read before the delete
    assert w.sweep() == [ids["id"]]
    org_clock.ahead += 1.0  # a read is kept in whole seconds: the next job's is past the delete
    w.read(ids["id"])
    org_clock.ahead += 0.3
    w.synced(ids["id"])
    assert w.sweep() == []


def test_a_read_by_a_job_that_never_called_back_is_not_trusted(tmp_path, org_clock):
    w = World(tmp_path)
    _, ids = w.create(7)
    w.sweep()
    w.read(ids["id"])
    w.synced(ids["id"])
    org_clock.ahead += 0.6
    w.org.delete(schema.GUARDIAN, ids["guardians"][0])  # after the callback: due
    org_clock.ahead += 2.0
    w.read(ids["id"])  # a later job read the record, then died before its callback
    assert w.sweep() == [ids["id"]]


def test_a_deleted_patient_queues_nothing(tmp_path, org_clock):
    w = World(tmp_path)
    _, ids = w.create(5)
    w.sweep()
    w.synced(ids["id"])
    org_clock.ahead += 0.6
    w.org.delete(schema.PATIENT, ids["id"])  # its guardians, coverages and notes with it
    assert w.sweep() == []


def test_passes_are_idempotent_while_a_job_is_queued(tmp_path):
    w = World(tmp_path)
    _, ids = w.create(3)
    assert w.sweep() == [ids["id"]]
    assert w.sweep() == []  # still queued: coalesced, no second job
    assert w.sweeper.run_pass().coalesced == 1


def test_a_pass_is_bounded_and_the_next_one_continues(tmp_path, org_clock):
    w = World(tmp_path, batch=2)
    made = [w.create(10 + i) for i in range(5)]
    for _bundle, ids in made:
        w.synced(ids["id"])
    w.sweep()  # the callbacks are not changes: nothing to do, the watermark moves on
    org_clock.ahead += 0.6
    for bundle, ids in made:  # five edits after their callbacks, none notified
        edited = with_ids(bundle, ids)
        edited["patient"]["phone"] = "(555) 404-0303"
        bundle_map.save_bundle(w.org, edited)
    seen: list[str] = []
    for _ in range(4):
        jobs = w.sweep()
        assert len(jobs) <= 2  # bounded per pass
        for record_id in jobs:
            w.synced(record_id)
        seen += jobs
    assert sorted(seen) == sorted(ids["id"] for _, ids in made)


def test_queries_and_logs_carry_no_patient_data(tmp_path, caplog):
    w = World(tmp_path)
    bundle, ids = w.create(4)
    with caplog.at_level("INFO"):
        w.sweep()
    text = " ".join(w.queries) + caplog.text
    for value in (bundle["patient"]["last_name"], bundle["patient"]["first_name"]):
        assert value not in text
    assert "FirstName__c" not in " ".join(w.queries)  # ids, dates and sync fields only


def test_settings_reach_the_beat_schedule():
    out = subprocess.run(
        [sys.executable, "-c", "import celeryconfig; print(celeryconfig.beat_schedule)"],
        env={**os.environ, "SYNC_SWEEP_SECONDS": "7"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "'tasks.sweep'" in out.stdout and "7.0" in out.stdout, out.stderr[-2000:]
