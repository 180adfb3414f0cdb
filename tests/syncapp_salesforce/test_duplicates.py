"""The same child entered twice in Salesforce (issue 10, finding 2), against the sandbox org.

Never merge two records into one chart: a chart found by name + DOB is refused when
another record carries its EMR id (one SOQL query) or it was created for another
record; and Salesforce is never left silent: a rejected ``Synced`` callback is
followed by a ``Failed`` one.
"""

from __future__ import annotations

import pytest

from syncapp import keys
from syncapp.errors import DuplicatePatient
from syncapp.salesforce import SalesforceClient
from tasks import resources
from tasks.report import report_to_salesforce
from tasks.resources import Resources
from tasks.sync import _refuse_other_records_chart
from tests.syncapp_salesforce.conftest import connect_through_browser
from tests.syncapp_salesforce.samples import intake

MRN = "MRN-900001"


@pytest.fixture
def client(app, org, settings, tokens) -> SalesforceClient:
    connect_through_browser(app.test_client(), org)
    return SalesforceClient(settings, tokens)


@pytest.fixture
def twins(client, org) -> tuple[str, str]:
    """Record A synced to chart ``MRN``; record B, the same child entered again."""
    first = org.create_patient(intake())
    client.post_callback(first, "Synced", emr_patient_id=MRN)
    return first, org.create_patient(intake())


@pytest.fixture
def worker_resources(settings, tokens, client):
    res = Resources(settings, tokens.store, client, slots=None)  # type: ignore[arg-type]
    previous = resources.install(res)
    yield res
    resources.install(previous)  # type: ignore[arg-type]


def test_one_query_finds_the_other_record_with_that_emr_id(client, twins):
    first, second = twins
    assert client.other_record_with_emr_id(MRN, second) == first
    assert client.other_record_with_emr_id(MRN, first) is None
    assert client.other_record_with_emr_id("MRN-424242", second) is None


def test_another_records_chart_is_refused_naming_only_that_record(worker_resources, twins):
    first, second = twins
    with pytest.raises(DuplicatePatient) as refused:
        _refuse_other_records_chart(worker_resources, second, MRN)
    assert first in str(refused.value)
    assert refused.value.kind == "duplicate_patient" and not refused.value.retryable
    for value in intake()["patient"].values():  # ids only, no patient data
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(refused.value)
    _refuse_other_records_chart(worker_resources, first, MRN)  # its own chart: fine


def test_a_chart_remembered_as_created_for_another_record_is_refused(worker_resources, twins):
    """Created for A, its EMR id not yet in Salesforce (the callback was lost)."""
    first, second = twins
    worker_resources.store.set(keys.mrn_owner("MRN-777"), first, 600)
    try:
        with pytest.raises(DuplicatePatient, match=first):
            _refuse_other_records_chart(worker_resources, second, "MRN-777")
        _refuse_other_records_chart(worker_resources, first, "MRN-777")
    finally:
        worker_resources.store.delete(keys.mrn_owner("MRN-777"))


def test_a_rejected_synced_report_is_followed_by_failed(worker_resources, twins, org):
    """Old: the callback for B was rejected (EMR id unique) and B stayed blank."""
    _first, second = twins
    synced = {"record_id": second, "status": "Synced", "emr_patient_id": MRN}
    report_to_salesforce.apply(args=[synced, second])
    after = org.patient(second)["sync"]
    assert after["status"] == "Failed"
    assert not after["emr_patient_id"]
    assert "rejected" in after["error"]
