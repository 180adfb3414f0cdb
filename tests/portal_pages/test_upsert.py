"""The upsert against the real Demo EMR: create, no-op resync, one-field change, find existing."""

from __future__ import annotations

import time

from tests.portal_pages.conftest import chart_of, expected_chart, full_bundle


def test_create_full_chart_equals_bundle(client, portal):
    bundle = full_bundle()
    result = client.upsert(bundle, record_id="a0000000000003AAAA")
    assert result.created is True
    assert result.emr_patient_id and result.emr_patient_id.startswith("MRN-")
    assert chart_of(portal, result.emr_patient_id) == expected_chart(bundle, result.emr_patient_id)
    assert "guardians.1.added" in result.changed_fields
    assert "insurance.secondary.added" in result.changed_fields
    assert "notes.1.added" in result.changed_fields
    assert "demographics.phone" in result.changed_fields


def test_rerun_same_bundle_writes_nothing(client, portal):
    bundle = full_bundle()
    first = client.upsert(bundle)
    writes_before = len(portal.writes())
    started = time.monotonic()
    again = client.upsert(bundle, emr_patient_id=first.emr_patient_id)
    noop_seconds = time.monotonic() - started
    assert again.created is False
    assert again.emr_patient_id == first.emr_patient_id
    assert again.changed_fields == []
    assert len(portal.writes()) == writes_before
    print(f"\nno-op resync: {noop_seconds:.2f}s")


def test_one_guardian_phone_change_is_one_write(client, portal):
    bundle = full_bundle()
    mrn = client.upsert(bundle).emr_patient_id
    before = len(portal.writes())
    bundle.guardians[1].phone = "(555) 448-9999"
    result = client.upsert(bundle, emr_patient_id=mrn)
    assert result.changed_fields == ["guardians.1.phone"]
    new_writes = portal.writes()[before:]
    assert [(w["section"], w["field"]) for w in new_writes] == [("guardians", "phone")]
    assert chart_of(portal, mrn) == expected_chart(bundle, mrn)


def test_second_run_without_emr_id_finds_existing_chart(client, portal):
    bundle = full_bundle()
    first = client.upsert(bundle)
    second = client.upsert(bundle)  # no EMR id: search by last + first name + DOB
    assert second.created is False
    assert second.emr_patient_id == first.emr_patient_id
    assert len(portal.patients()) == 1


def test_sections_converge_on_updates_adds_and_removals(client, portal):
    bundle = full_bundle()
    mrn = client.upsert(bundle).emr_patient_id
    bundle.patient.address.city = "Evanston"
    bundle.guardians[0].is_primary = False
    bundle.guardians[1].is_primary = True
    bundle.guardians.pop(0)  # Ngozi leaves; Björn becomes index 0 and primary
    bundle.insurance = [c for c in bundle.insurance if c.rank == "primary"]
    bundle.insurance[0].member_id = "UHC11112222"
    result = client.upsert(bundle, emr_patient_id=mrn)
    assert set(result.changed_fields) == {
        "demographics.city",
        "guardians.0.is_primary",
        "guardians.removed",
        "insurance.primary.member_id",
        "insurance.secondary.removed",
    }
    assert chart_of(portal, mrn) == expected_chart(bundle, mrn)
