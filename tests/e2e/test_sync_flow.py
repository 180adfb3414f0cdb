"""A patient created in Salesforce reaches the EMR, and the MRN comes back; updates are minimal."""

from __future__ import annotations

from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle, with_ids


def test_create_then_update_writes_only_what_changed(system: Driver):
    bundle = make_bundle(1)
    ids = system.create_patient(bundle)
    record_id = ids["id"]

    system.wait_quiet()
    mrn = system.assert_chart_equals_record(record_id)
    last = system.callbacks(record_id)[-1]["body"]
    assert last["status"] == "Synced" and last["emrPatientId"] == mrn
    assert system.sf_patient(record_id)["sync"]["status"] == "Synced"
    assert len(system.charts()) == 1

    # Staff change one guardian's phone: exactly that one field is written.
    writes_before = len(system.writes(mrn))
    callbacks_before = len(system.callbacks(record_id))
    changed = with_ids(bundle, ids)
    changed["guardians"][1]["phone"] = "(555) 777-0001"
    system.update_patient(changed)
    system.wait_quiet()
    system.assert_chart_equals_record(record_id)
    new_writes = system.writes(mrn)[writes_before:]
    assert [(w["section"], w["field"]) for w in new_writes] == [("guardians", "phone")]
    reported = [
        f
        for c in system.callbacks(record_id)[callbacks_before:]
        for f in c["body"]["changedFields"]
    ]
    assert reported == ["guardians.1.phone"]

    # The callbacks wrote sync fields only: they cause no notification and no sync.
    # An unrelated patient synced afterwards proves the org's sender has moved on.
    runs = system.sync_runs(record_id)
    seen = len(system.deliveries())
    system.create_patient(make_bundle(2))
    system.wait_quiet()
    later = system.deliveries()[seen:]
    assert later, "the unrelated patient should have been delivered"
    assert not [d for d in later if record_id in d.get("record_ids", [])]
    assert system.sync_runs(record_id) == runs


def test_rerun_without_changes_writes_nothing(system: Driver):
    record_id = system.create_patient(make_bundle(3))["id"]
    system.wait_quiet()
    mrn = system.assert_chart_equals_record(record_id)
    before = len(system.writes(mrn))
    result = system.celery("resync", record_id)
    assert result.returncode == 0, result.stderr[-2000:]
    system.wait_quiet()
    assert len(system.writes(mrn)) == before
    assert system.callbacks(record_id)[-1]["body"]["changedFields"] == []


def test_plain_celery_call_syncs_and_reports(system: Driver):
    record_id = system.create_patient(make_bundle(8))["id"]
    system.wait_quiet()
    before = len(system.callbacks(record_id))
    done = system.celery("call", "tasks.sync_patient", f'--args=["{record_id}"]')
    assert done.returncode == 0, done.stderr[-2000:]
    system.wait_quiet()
    assert len(system.callbacks(record_id)) == before + 1
    assert system.callbacks(record_id)[-1]["body"]["status"] == "Synced"


def test_workers_answer_ping(system: Driver):
    pong = system.celery("inspect", "ping", "--timeout", "10")
    assert pong.returncode == 0, pong.stderr[-2000:]
    assert "pong" in pong.stdout
