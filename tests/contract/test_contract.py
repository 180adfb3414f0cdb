"""The adapter contract: what every EMR adapter must do, checked in the EMR itself.

Run against a real test instance of each EMR (``conftest.py`` says how to add
one). The order follows a chart's life: a diff on an empty EMR, the create, a
rerun that must write nothing, one changed field, a namesake with another date
of birth, two charts that match, a wrong password, the idle lock screen.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest

from portal_pages import PortalClient
from syncapp.errors import AmbiguousMatch, PortalRejected

# The first GNU Health case installs it on a fresh clone (minutes on a loaded machine):
# more than the suite's 300 s per test, which killed the install half-way.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]


def test_diff_on_an_empty_emr_plans_a_creation_and_writes_nothing(emr, client):
    bundle = emr.bundle()
    result = client.upsert(bundle, dry_run=True)
    assert result.created is True and result.emr_patient_id is None
    assert "demographics.last_name" in result.changed_fields
    assert emr.charts() == []


def test_upsert_creates_and_a_rerun_writes_nothing(emr, client):
    bundle = emr.bundle()
    heard: list[str] = []
    first = client.upsert(bundle, record_id="a0000000000003AAAA", on_created=heard.append)
    assert first.created is True and first.emr_patient_id
    assert heard == [first.emr_patient_id]  # the new chart's id, told once
    assert emr.charts() == [first.emr_patient_id]
    stored = emr.stored(first.emr_patient_id)
    assert stored["demographics.last_name"] == bundle.patient.last_name
    assert stored["demographics.date_of_birth"] == bundle.patient.date_of_birth.isoformat()
    mark = emr.write_mark(first.emr_patient_id)

    again = client.upsert(bundle, emr_patient_id=first.emr_patient_id)
    assert again.created is False and again.emr_patient_id == first.emr_patient_id
    assert again.changed_fields == []
    assert again.not_stored == first.not_stored  # reported on every sync, not only the first
    assert emr.write_mark(first.emr_patient_id) == mark  # nothing written, by the EMR's own record
    assert emr.stored(first.emr_patient_id) == stored


def test_one_changed_field_writes_exactly_that_field(emr, client):
    bundle = emr.bundle()
    mrn = client.upsert(bundle).emr_patient_id
    before = emr.stored(mrn)
    name, change = emr.one_field
    change(bundle)
    result = client.upsert(bundle, emr_patient_id=mrn)
    assert result.changed_fields == [name]
    after = emr.stored(mrn)
    assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} == {name}


def test_a_namesake_with_another_date_of_birth_gets_a_chart_of_its_own(emr, client):
    bundle = emr.bundle()
    first = client.upsert(bundle).emr_patient_id
    namesake = emr.bundle()
    namesake.patient.date_of_birth = date(1990, 1, 2)
    second = client.upsert(namesake)
    assert second.created is True and second.emr_patient_id != first
    assert sorted(emr.charts()) == sorted([first, second.emr_patient_id])


def test_two_charts_matching_name_and_date_of_birth_are_an_ambiguous_match(emr, client):
    bundle = emr.bundle()
    client.upsert(bundle)
    emr.add_twin(bundle, client)
    with pytest.raises(AmbiguousMatch) as info:
        client.upsert(bundle)  # no EMR id: found by name + DOB, twice
    assert info.value.retryable is False
    assert len(emr.charts()) == 2


def test_a_wrong_password_is_a_clear_permanent_failure(emr, tmp_path):
    settings = emr.settings(tmp_path, emr_password="not-the-password")
    with PortalClient.from_settings(settings) as wrong:
        with pytest.raises(PortalRejected) as info:
            wrong.upsert(emr.bundle(), record_id="a0000000000003AAAA")
    assert info.value.retryable is False
    assert "refused" in str(info.value) and "not-the-password" not in str(info.value)
    assert emr.charts() == []


def test_the_idle_lock_screen_is_handled(emr, client, caplog):
    caplog.set_level(logging.INFO, logger="portal_pages")
    bundle = emr.bundle()
    mrn = client.upsert(bundle).emr_patient_id
    emr.lock(client)
    name, change = emr.one_field
    change(bundle)
    result = client.upsert(bundle, emr_patient_id=mrn)
    assert result.changed_fields == [name]
    assert emr.unlock_count(caplog) >= 1
