"""A chart found by name + DOB is adopted only if the caller agrees (issue 10, finding 2).

The worker refuses another Salesforce record's chart (``DuplicatePatient``) through
``before_adopt``; refused, the upsert writes nothing to that chart.
"""

from __future__ import annotations

import pytest

from syncapp.errors import DuplicatePatient
from tests.portal_pages.conftest import chart_of, full_bundle


def test_a_refused_chart_gets_no_write(client, portal):
    first = client.upsert(full_bundle(), record_id="a0000000000003AAAA")
    before = chart_of(portal, first.emr_patient_id)
    writes = len(portal.writes())
    seen: list[str] = []

    def refuse(mrn: str) -> None:
        seen.append(mrn)
        raise DuplicatePatient("the chart belongs to Salesforce record a0000000000003AAAA")

    twin = full_bundle()  # the same child, entered again, with a note of its own
    twin.notes[0].text = "Entered a second time by the front desk."
    with pytest.raises(DuplicatePatient):
        client.upsert(twin, record_id="a0000000000004AAAA", before_adopt=refuse)
    assert seen == [first.emr_patient_id]
    assert len(portal.writes()) == writes
    assert chart_of(portal, first.emr_patient_id) == before
    assert len(portal.patients()) == 1  # and no second chart either


def test_an_agreed_chart_is_adopted(client, portal):
    first = client.upsert(full_bundle())
    seen: list[str] = []
    again = client.upsert(full_bundle(), before_adopt=seen.append)
    assert seen == [first.emr_patient_id]
    assert again.emr_patient_id == first.emr_patient_id and not again.created
