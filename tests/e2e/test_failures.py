"""Crashes, invalid data and bursts: nothing duplicated, nothing lost, Salesforce always told."""

from __future__ import annotations

import os
import signal

import pytest
import redis

from syncapp import keys
from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle, with_ids
from tests.support.servers import wait_until


@pytest.fixture(scope="module")
def slow_system(stack_factory):
    # 150 ms per portal request: a sync takes long enough to be killed in the middle.
    stack = stack_factory(emr_env={"EMR_SANDBOX_LATENCY_MS": "150"})
    return Driver(stack.start())


def test_worker_killed_mid_sync_is_redelivered_without_duplicates(slow_system: Driver):
    system = slow_system
    record_id = system.create_patient(make_bundle(5, notes=3))["id"]

    # Mid-sync: the chart exists and some (not all) of it has been written.
    def chart_started():
        charts = system.charts()
        return charts and system.writes(charts[0]["emr_patient_id"])

    wait_until(chart_started, timeout=120, what="the portal to be half-written", interval=0.05)
    system.stack.stop_process("worker", sig=signal.SIGKILL)
    assert system.callbacks(record_id) == []

    system.stack.start_worker("worker")
    system.wait_quiet()
    mrn = system.assert_chart_equals_record(record_id)
    assert len(system.charts()) == 1
    notes = system.chart(mrn)["notes"]
    assert len(notes) == 3 and len({n["salesforce_id"] for n in notes}) == 3
    assert system.callbacks(record_id)[-1]["body"]["status"] == "Synced"
    assert system.sync_runs(record_id) >= 2  # it really ran again


def test_a_half_written_chart_is_found_again_after_the_name_and_dob_change(slow_system: Driver):
    """Killed after creating the chart, before Salesforce heard its MRN; then staff edit
    the name and date of birth. The rerun must still find that chart, not make a twin."""
    system = slow_system
    system.emr_faults(latency_ms=150)
    charts_before = {c["emr_patient_id"] for c in system.charts()}
    bundle = make_bundle(9, notes=3)
    ids = system.create_patient(bundle)
    record_id = ids["id"]

    # The moment the worker has created the chart and noted its EMR id, mid-job.
    r = redis.Redis.from_url(os.environ["REDIS_URL"])
    noted = keys.namespaced(os.environ["SYNC_QUEUE_PREFIX"], keys.mrn(record_id))
    wait_until(lambda: r.exists(noted), timeout=120, what="the chart to be created", interval=0.02)
    system.stack.stop_process("worker", sig=signal.SIGKILL)
    system.org_control("notifications/pause")
    edited = with_ids(bundle, ids)
    edited["patient"]["last_name"] = "Renamed-Afterwards"
    edited["patient"]["date_of_birth"] = "2014-12-24"
    system.update_patient(edited)  # held: only the redelivered job will sync it
    system.stack.start_worker("worker")
    wait_until(
        lambda: system.sf_patient(record_id)["sync"]["status"] == "Synced",
        timeout=120,
        what="the redelivered job to finish",
        interval=0.2,
    )
    system.org_control("notifications/resume")
    system.wait_quiet()
    new = [c for c in system.charts() if c["emr_patient_id"] not in charts_before]
    assert len(new) == 1, f"{len(new)} charts for one patient"
    system.assert_chart_equals_record(record_id)
    system.emr_faults(latency_ms=0)


def test_invalid_data_fails_writes_nothing_and_resync_recovers(slow_system: Driver):
    system = slow_system
    system.emr_faults(latency_ms=0)
    bundle = make_bundle(6)
    bundle["patient"]["date_of_birth"] = "2999-01-01"
    bundle["insurance"][0]["member_id"] = "BAD-ID!"
    charts_before = len(system.charts())
    writes_before = len(system.writes())
    ids = system.create_patient(bundle)
    record_id = ids["id"]
    system.wait_quiet()

    record = system.sf_patient(record_id)
    assert record["sync"]["status"] == "Failed"
    error = record["sync"]["error"]
    assert "patient.date_of_birth" in error and "insurance.0.member_id" in error
    assert "2999" not in error and "BAD-ID!" not in error
    assert len(system.charts()) == charts_before
    assert len(system.writes()) == writes_before

    listed = system.celery("resync", "--failed", "--list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert f"record={record_id}" in listed.stdout
    assert "kind=invalid_bundle" in listed.stdout

    # Staff fix the data (with notifications held, so that only resync can sync it).
    system.org_control("notifications/pause")
    fixed = with_ids(bundle, ids)
    fixed["patient"]["date_of_birth"] = "2016-04-05"
    fixed["insurance"][0]["member_id"] = "AET7654321"
    system.update_patient(fixed)
    replay = system.celery("resync", "--failed")
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert f"enqueued {record_id}" in replay.stdout
    wait_until(
        lambda: system.sf_patient(record_id)["sync"]["status"] == "Synced",
        timeout=120,
        what="the resync to report Synced",
        interval=0.2,
    )
    system.org_control("notifications/resume")
    system.wait_quiet()
    system.assert_chart_equals_record(record_id)
    assert system.sf_patient(record_id)["sync"]["status"] == "Synced"
    empty = system.celery("resync", "--failed", "--list")
    assert f"record={record_id}" not in empty.stdout
