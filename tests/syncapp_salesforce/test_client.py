"""The worker's two calls against the sandbox org: read the bundle, post the result."""

from __future__ import annotations

import copy
import time

import pytest

from syncapp.bundle import validate_bundle
from syncapp.errors import SalesforceRejected, SalesforceUnavailable
from syncapp.salesforce import SalesforceClient
from tests.support.servers import wait_until
from tests.syncapp_salesforce.conftest import connect_through_browser
from tests.syncapp_salesforce.samples import intake


def _without_ids(bundle: dict) -> dict:
    out = copy.deepcopy(bundle)
    out["salesforce_id"] = None
    for key in ("guardians", "insurance", "notes"):
        for item in out[key]:
            item["salesforce_id"] = None
    return out


@pytest.fixture
def client(app, org, settings, tokens) -> SalesforceClient:
    connect_through_browser(app.test_client(), org)
    return SalesforceClient(settings, tokens)


def test_load_bundle_returns_what_was_entered_in_salesforce(client, org):
    entered = intake()
    record_id = org.create_patient(entered)

    bundle = client.load_bundle(record_id)

    assert bundle["salesforce_id"][:15] == record_id[:15]
    assert all(g["salesforce_id"] for g in bundle["guardians"])
    assert _without_ids(bundle) == entered
    assert validate_bundle(bundle).to_json() == bundle


def test_a_read_carries_the_orgs_own_time(client, org):
    """Whole seconds from the org's ``Date`` header: the sweep compares it with org stamps."""
    before = time.time()
    bundle, at = client.read_bundle(org.create_patient(intake()))
    assert bundle["patient"]["last_name"] and at is not None and at == int(at)
    assert int(before) - 1 <= at <= time.time() + 1  # the sandbox org shares this clock


def test_an_empty_patient_has_empty_lists(client, org):
    entered = intake()
    entered.update(guardians=[], insurance=[], notes=[])
    bundle = client.load_bundle(org.create_patient(entered))
    assert (bundle["guardians"], bundle["insurance"], bundle["notes"]) == ([], [], [])


def test_a_missing_record_is_rejected(client):
    with pytest.raises(SalesforceRejected, match="record not found"):
        client.load_bundle("a00000000000099AAA")


def test_query_all_also_returns_rows_in_the_recycle_bin(client, org):
    """The sweep reads children with ``include_deleted`` so a deleted guardian is a change."""
    record_id = org.create_patient(intake())
    guardian = org.patient(record_id)["guardians"][0]["salesforce_id"]
    org.delete_record(guardian)
    soql = f"SELECT Id, IsDeleted FROM Guardian__c WHERE Patient__c = '{record_id}'"
    live = client.query(soql, step="sweep")
    everything = client.query(soql, step="sweep", include_deleted=True)
    assert guardian not in {r["Id"] for r in live}
    assert {r["Id"]: r["IsDeleted"] for r in everything}[guardian] is True
    assert len(everything) == len(live) + 1


def test_post_callback_sets_the_sync_fields(client, org):
    record_id = org.create_patient(intake())

    client.post_callback(record_id, "Synced", emr_patient_id="MRN-000123", changed_fields=["phone"])

    sync = org.patient(record_id)["sync"]
    assert sync["emr_patient_id"] == "MRN-000123"
    assert sync["status"] == "Synced" and sync["error"] is None
    assert sync["last_synced"]
    assert client.load_bundle(record_id)["emr_patient_id"] == "MRN-000123"


def test_post_callback_carries_what_the_emr_cannot_hold(client, org):
    record_id = org.create_patient(intake())
    client.post_callback(
        record_id, "Synced", emr_patient_id="MRN-000124", not_stored=["guardians", "notes"]
    )
    assert org.patient(record_id)["sync"]["not_stored"] == "guardians, notes"


def test_post_callback_reports_an_error(client, org):
    record_id = org.create_patient(intake())
    client.post_callback(record_id, "Failed", error="Invalid patient data: patient.phone")
    sync = org.patient(record_id)["sync"]
    assert sync["status"] == "Failed"
    assert sync["error"] == "Invalid patient data: patient.phone"


def test_an_org_outage_is_retryable_and_recovers(client, org):
    record_id = org.create_patient(intake())
    org.down(2)
    with pytest.raises(SalesforceUnavailable):
        client.load_bundle(record_id)
    with pytest.raises(SalesforceUnavailable):
        client.post_callback(record_id, "Synced", emr_patient_id="MRN-1")
    wait_until(lambda: client.load_bundle(record_id), timeout=15, what="the org to come back")


def test_an_unreachable_org_is_retryable(client, org):
    org.server.process.terminate()
    org.server.process.wait(timeout=10)
    with pytest.raises(SalesforceUnavailable):
        client.load_bundle("a00000000000001AAA")


def test_tokens_never_reach_the_logs(app, org, settings, tokens, captured_logs):
    connect_through_browser(app.test_client(), org)
    client = SalesforceClient(settings, tokens)
    record_id = org.create_patient(intake())
    first = tokens.load()
    client.load_bundle(record_id)
    org.expire_tokens()
    client.load_bundle(record_id)
    client.post_callback(record_id, "Synced", emr_patient_id="MRN-77")
    second = tokens.load()

    logs = captured_logs.getvalue()
    assert '"step": "load_record"' in logs and '"step": "token_refresh"' in logs
    for secret in (first.access_token, first.refresh_token, second.access_token):
        assert secret not in logs
        assert secret.split("!")[-1][:20] not in logs
    for value in ("O'Brien", "Zo\\u00eb", "W123456789", "asthma"):
        assert value not in logs
