"""A create that fails after the portal's Save is resumed on that chart, by its EMR id.

The portal makes the chart on Save; if a later step fails (here the chart header's
MRN element has drifted) the chart exists. The worker must already remember its
EMR id (``on_created``, kept under ``sync:mrn:<record>`` by ``tasks.sync``), so the
rerun opens it by id: a search by name + DOB would miss it once staff corrected
either in Salesforce, and a second chart would be made for the same patient.
"""

from __future__ import annotations

from datetime import date

import pytest

from syncapp.errors import PageChanged
from tests.portal_pages.conftest import chart_of, expected_chart, full_bundle

RECORD = "a0000000000003AAAA"


def test_a_create_failing_after_save_is_resumed_on_its_chart_after_a_rename(client, portal):
    remembered: list[str] = []  # what tasks.sync keeps under sync:mrn:<record>

    def rerun_id() -> str | None:  # as tasks.sync picks the EMR id of a rerun
        return remembered[-1] if remembered else None

    bundle = full_bundle()
    portal.faults(drift=1)  # the chart header's MRN element is renamed
    with pytest.raises(PageChanged):
        client.upsert(bundle, record_id=RECORD, on_created=remembered.append)
    [made] = portal.patients()  # Save made it: demographics only
    assert not made["notes"]

    portal.faults(drift=0)
    bundle.patient.last_name = "Okafor"  # staff correct the name and DOB in Salesforce
    bundle.patient.date_of_birth = date(2008, 7, 1)
    result = client.upsert(
        bundle, emr_patient_id=rerun_id(), record_id=RECORD, on_created=remembered.append
    )

    mrn = made["emr_patient_id"]
    assert [p["emr_patient_id"] for p in portal.patients()] == [mrn], "a second chart"
    assert result.emr_patient_id == mrn and not result.created
    assert chart_of(portal, mrn) == expected_chart(bundle, mrn)  # the new name and DOB
    notes = [w for w in portal.writes() if w["section"] == "notes" and w["field"] == "text"]
    assert len(notes) == len(bundle.notes)  # each note written once
    assert remembered == [mrn]
