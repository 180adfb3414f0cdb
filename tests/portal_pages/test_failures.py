"""Permanent failures write nothing more, dry runs write nothing, captures are encrypted."""

from __future__ import annotations

from datetime import date

import pytest

from portal_pages.demo_emr import DemoEmrPortal
from portal_pages.diff import demographics_values, non_empty
from syncapp.bundle import PatientBundle
from syncapp.crypto import get_fernet
from syncapp.errors import AmbiguousMatch, ChartNotFound, InvalidBundle, PortalRejected
from tests.portal_pages.conftest import full_bundle


def test_bundle_that_bypassed_validation_is_refused_before_the_portal(client, portal):
    good = full_bundle()
    bad_patient = good.patient.model_copy(update={"date_of_birth": date(2999, 1, 1)})
    bad = PatientBundle.model_construct(**{**dict(good), "patient": bad_patient})
    requests_before = portal.stats()["requests"]
    with pytest.raises(InvalidBundle) as info:
        client.upsert(bad, record_id="a0000000000003AAAA")
    assert info.value.fields == ["patient.date_of_birth"]
    assert "2999" not in str(info.value)
    assert portal.writes() == [] and portal.patients() == []
    assert portal.stats()["requests"] == requests_before  # the portal was never touched


def test_value_the_portal_rejects_is_a_permanent_failure_that_stops_the_job(client, portal):
    # pydantic allows a coverage effective date before 1900; the portal does not.
    bundle = full_bundle()
    bundle.insurance[1].effective_date = date(1899, 12, 31)
    with pytest.raises(PortalRejected) as info:
        client.upsert(bundle, record_id="a0000000000003AAAA")
    err = info.value
    assert err.fields == ["effective_date"]
    assert "before 1900" in err.message and "1899" not in str(err)
    assert err.retryable is False
    sections = [(w["section"], w["field"]) for w in portal.writes()]
    assert sections.count(("insurance", "member_id")) == 1  # the primary only
    assert not any(section == "notes" for section, _ in sections)  # nothing saved after it
    assert len(portal.patients()[0]["insurance"]) == 1  # secondary was all-or-nothing


def test_dry_run_of_a_new_patient_writes_nothing(client, portal):
    result = client.upsert(full_bundle(), dry_run=True)
    assert result.created is True and result.emr_patient_id is None
    assert "guardians.1.added" in result.changed_fields and "notes.1.added" in result.changed_fields
    assert portal.writes() == [] and portal.patients() == []


def test_dry_run_of_an_existing_patient_names_the_changes_and_writes_nothing(client, portal):
    bundle = full_bundle()
    mrn = client.upsert(bundle).emr_patient_id
    writes = len(portal.writes())
    bundle.patient.phone = "(555) 000-1111"
    bundle.guardians[0].email = "new@example.org"
    bundle.insurance.pop()  # secondary goes
    result = client.upsert(bundle, emr_patient_id=mrn, dry_run=True)
    assert result.created is False and result.emr_patient_id == mrn
    assert result.changed_fields == [
        "demographics.phone",
        "guardians.0.email",
        "insurance.secondary.removed",
    ]
    assert len(portal.writes()) == writes
    real = client.upsert(bundle, emr_patient_id=mrn)
    assert real.changed_fields == result.changed_fields  # the dry run predicted the real run


def test_two_matching_charts_are_an_ambiguous_match(client, portal):
    bundle = full_bundle()
    client.upsert(bundle)
    # A duplicate chart, created by hand the way a clerk might.
    adapter: DemoEmrPortal = client.session()  # type: ignore[assignment]
    adapter.create_patient(non_empty(demographics_values(bundle.patient)))
    with pytest.raises(AmbiguousMatch):
        client.upsert(bundle)
    assert len(portal.patients()) == 2


def test_failure_capture_is_encrypted_and_named_without_values(client, portal):
    directory = client.settings.emr_artifact_dir
    bundle = full_bundle()
    bundle.insurance[0].effective_date = date(1850, 1, 1)
    with pytest.raises(PortalRejected):
        client.upsert(bundle, record_id="a0000000000003AAAA")
    files = sorted(directory.glob("a0000000000003AAAA_*_portal_rejected.*"))
    assert {f.name.split(".", 1)[1] for f in files} == {"png.fernet", "html.fernet"}
    for f in files:
        assert "Okafor" not in f.name and "Amara" not in f.name
    html_file = next(f for f in files if f.name.endswith(".html.fernet"))
    raw = html_file.read_bytes()
    assert b"<html" not in raw and b"Okafor" not in raw
    html = get_fernet().decrypt(raw)
    assert b"<html" in html and b"Okafor-Lindqvist" in html
    png = get_fernet().decrypt(
        next(f for f in files if f.name.endswith(".png.fernet")).read_bytes()
    )
    assert png.startswith(b"\x89PNG")
    assert (
        len({f.name.split(".")[0] for f in directory.iterdir()})
        <= client.settings.emr_artifact_retention
    )


def test_an_emr_id_the_portal_does_not_know_is_permanent_and_creates_nothing(client, portal):
    charts_before = len(portal.patients())
    writes_before = len(portal.writes())
    with pytest.raises(ChartNotFound) as info:
        client.upsert(full_bundle(), emr_patient_id="MRN-999999", record_id="a0000000000003AAAA")
    assert info.value.retryable is False
    assert len(portal.patients()) == charts_before
    assert len(portal.writes()) == writes_before
