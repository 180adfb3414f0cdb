"""The REST API and SOQL through simple-salesforce, unchanged, plus the Apex REST callback."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from tests.salesforce_org.conftest import Org, sample_bundle

CHILD_QUERY = (
    "SELECT Id, Name, FirstName__c, LastName__c, BirthDate__c, Sex__c, EMR_Patient_Id__c, "
    "(SELECT Id, FirstName__c, Relationship__c, Is_Primary__c FROM Guardians__r), "
    "(SELECT Id, Rank__c, Member_Id__c, Effective_Date__c FROM Coverages__r), "
    "(SELECT Id, Written_At__c, Author__c, Body__c FROM Case_Notes__r ORDER BY Written_At__c) "
    "FROM Patient__c WHERE Id = '{id}'"
)


def test_query_with_relationship_subqueries_has_salesforce_shape(org: Org) -> None:
    sf = org.salesforce()
    created = org.new_patient(insurance=[])
    result = sf.query(CHILD_QUERY.format(id=created["id"]))

    assert result["totalSize"] == 1 and result["done"] is True
    record = result["records"][0]
    assert list(record)[:2] == ["attributes", "Id"]
    assert record["attributes"] == {
        "type": "Patient__c",
        "url": f"/services/data/v{sf.sf_version}/sobjects/Patient__c/{created['id']}",
    }
    assert record["Name"].startswith("P-")
    assert (record["BirthDate__c"], record["Sex__c"], record["EMR_Patient_Id__c"]) == (
        "2019-04-12",
        "Female",
        None,
    )
    assert record["Coverages__r"] is None  # an empty child relationship is null
    guardians = record["Guardians__r"]
    assert guardians["totalSize"] == 1 and guardians["done"] is True
    guardian = guardians["records"][0]
    assert guardian["attributes"]["type"] == "Guardian__c"
    assert guardian["Relationship__c"] == "Mother" and guardian["Is_Primary__c"] is True
    note = record["Case_Notes__r"]["records"][0]
    assert note["Written_At__c"] == "2026-01-02T15:04:05.000+0000"
    assert note["Body__c"] == "Intake <ok> & fine"


def test_ids_are_18_chars_with_checksum_and_15_char_ids_work(org: Org) -> None:
    from sandbox.salesforce_org.ids import checksum, to18

    assert checksum("001A0000006Vm9r") == "IAC"  # Salesforce's documented example
    assert to18("001a0000006vm9riac") == "001A0000006Vm9rIAC"  # case restored from the suffix

    sf = org.salesforce()
    patient_id = org.new_patient()["id"]
    assert len(patient_id) == 18 and patient_id.startswith("a00")
    assert patient_id[15:] == checksum(patient_id[:15])
    assert sf.Patient__c.get(patient_id[:15])["Id"] == patient_id
    rows = sf.query(f"SELECT Id FROM Patient__c WHERE Id IN ('{patient_id[:15]}')")["records"]
    assert [r["Id"] for r in rows] == [patient_id]


def test_get_update_create_delete_with_simple_salesforce(org: Org) -> None:
    sf = org.salesforce()
    patient_id = org.new_patient()["id"]
    record = sf.Patient__c.get(patient_id)
    assert record["attributes"]["type"] == "Patient__c" and record["LastName__c"] == "O'Neil"
    assert record["CreatedDate"].endswith("+0000") and record["IsDeleted"] is False

    assert (
        sf.Patient__c.update(patient_id, {"Phone__c": "555-0199", "BirthDate__c": "2018-01-02"})
        == 204
    )
    assert sf.Patient__c.get(patient_id)["Phone__c"] == "555-0199"

    created = sf.Guardian__c.create(
        {"Patient__c": patient_id, "FirstName__c": "Al", "Relationship__c": "Father"}
    )
    assert (
        created["success"] is True and created["errors"] == [] and created["id"].startswith("a01")
    )
    rows = sf.query(
        f"SELECT FirstName__c FROM Guardian__c WHERE Patient__c = '{patient_id}' ORDER BY FirstName__c"
    )["records"]
    assert [r["FirstName__c"] for r in rows] == ["Al", "Grace"]

    assert sf.Guardian__c.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as err:
        sf.Guardian__c.get(created["id"])
    assert err.value.content == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]
    deleted = sf.query_all(
        f"SELECT Id, IsDeleted FROM Guardian__c WHERE Id = '{created['id']}'", include_deleted=True
    )
    assert deleted["records"][0]["IsDeleted"] is True


def test_errors_have_salesforce_codes(org: Org) -> None:
    sf = org.salesforce()
    patient_id = org.new_patient()["id"]

    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Patient__c.update(patient_id, {"Nope__c": "x"})
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"

    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Patient__c.update(patient_id, {"Sex__c": "female"})
    assert err.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert err.value.content[0]["fields"] == ["Sex__c"]

    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Patient__c.update(patient_id, {"EMR_Sync_Status__c": "Synced"})
    assert err.value.content == [
        {
            "message": "A synced patient needs an EMR Patient Id.",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["EMR_Patient_Id__c"],
        }
    ]

    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM Nope__c")
    assert err.value.content[0]["errorCode"] == "INVALID_TYPE"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, Nope__c FROM Patient__c")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope__c' on entity 'Patient__c'" in err.value.content[0]["message"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM Patient__c WHERE")
    assert err.value.content[0]["errorCode"] == "MALFORMED_QUERY"

    with pytest.raises(SalesforceResourceNotFound) as err:
        sf.Patient__c.get("a004W0000000000AAA")
    assert err.value.content[0]["errorCode"] == "NOT_FOUND"


def test_soql_filters_order_and_limit(org: Org) -> None:
    sf = org.salesforce()
    for first, dob in (("Bo", "2015-01-01"), ("Cy", "2016-06-06"), ("Di", "2017-07-07")):
        bundle = sample_bundle()
        bundle["patient"].update(first_name=first, last_name="Zed", date_of_birth=dob)
        org.sandbox("POST", "patients", json=bundle)
    q = (
        "SELECT FirstName__c FROM Patient__c WHERE LastName__c = 'zed' AND "
        "(BirthDate__c > 2015-01-01 OR FirstName__c IN ('Bo')) AND FirstName__c != 'Di' "
        "ORDER BY BirthDate__c DESC LIMIT 5"
    )
    assert [r["FirstName__c"] for r in sf.query(q)["records"]] == ["Cy", "Bo"]
    like = sf.query("SELECT FirstName__c FROM Patient__c WHERE FirstName__c LIKE 'd%'")
    assert [r["FirstName__c"] for r in like["records"]] == ["Di"]
    assert sf.query("SELECT COUNT() FROM Patient__c WHERE LastName__c = 'Zed'")["totalSize"] == 3
    limited = sf.query("SELECT Id FROM Patient__c ORDER BY Name LIMIT 1")
    assert limited["totalSize"] == 1


def test_expired_session_through_simple_salesforce(org: Org) -> None:
    sf = org.salesforce()
    org.sandbox("POST", "expire-tokens")
    with pytest.raises(SalesforceExpiredSession) as err:
        sf.query("SELECT Id FROM Patient__c")
    assert err.value.status == 401
    assert err.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_apex_rest_callback_updates_sync_fields_and_is_recorded(org: Org) -> None:
    sf = org.salesforce()
    patient_id = org.new_patient()["id"]

    answer = sf.apexecute(
        "EmrSync/",
        method="POST",
        data={
            "recordId": patient_id,
            "status": "Failed",
            "emrPatientId": None,
            "changedFields": [],
            "error": "patient.date_of_birth is in the future",
        },
    )
    assert answer == {"success": True, "recordId": patient_id}
    sync = org.sandbox("GET", f"patients/{patient_id}").json()["sync"]
    assert sync["status"] == "Failed" and sync["error"] == "patient.date_of_birth is in the future"

    answer = sf.apexecute(
        "EmrSync/",
        method="POST",
        data={
            "recordId": patient_id[:15],
            "status": "Synced",
            "emrPatientId": "MRN-000123",
            "changedFields": ["phone"],
            "error": None,
        },
    )
    assert answer["success"] is True
    bundle = org.sandbox("GET", f"patients/{patient_id}").json()
    assert bundle["emr_patient_id"] == "MRN-000123"
    assert bundle["sync"]["status"] == "Synced" and bundle["sync"]["error"] is None
    assert bundle["sync"]["last_synced"].endswith("+0000")

    with pytest.raises(SalesforceResourceNotFound) as err:
        sf.apexecute(
            "EmrSync/",
            method="POST",
            data={"recordId": "a004W0000000000AAA", "status": "Synced", "emrPatientId": "MRN-1"},
        )
    assert err.value.content[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceMalformedRequest):
        sf.apexecute("EmrSync/", method="POST", data={"recordId": patient_id, "status": "Done"})

    callbacks = org.sandbox("GET", "callbacks").json()
    assert [c["status_code"] for c in callbacks] == [200, 200, 404, 400]
    assert callbacks[1]["body"]["emrPatientId"] == "MRN-000123" and callbacks[1]["at"]


def test_sandbox_bundle_round_trip_upserts_and_deletes_children(org: Org) -> None:
    bundle = sample_bundle()
    bundle["patient"]["date_of_birth"] = "2999-01-01"  # invalid for the EMR, stored as entered
    bundle["insurance"][0]["member_id"] = "bad id!"
    created = org.sandbox("POST", "patients", json=bundle).json()
    stored = org.sandbox("GET", f"patients/{created['id']}").json()
    assert stored["patient"]["date_of_birth"] == "2999-01-01"
    assert stored["insurance"][0]["member_id"] == "bad id!"
    assert stored["guardians"][0]["salesforce_id"] == created["guardians"][0]
    assert stored["guardians"][0]["relationship"] == "mother"
    assert stored["notes"][0]["written_at"] == "2026-01-02T15:04:05+00:00"
    assert stored["sync"] == {
        "emr_patient_id": None,
        "status": None,
        "error": None,
        "last_synced": None,
        "not_stored": None,
    }

    stored.pop("sync")
    stored["guardians"][0]["phone"] = "555-0111"
    stored["guardians"].append(
        {"first_name": "Bob", "last_name": "O'Neil", "relationship": "father", "is_primary": False}
    )
    stored["insurance"] = []
    updated = org.sandbox("POST", "patients", json=stored).json()
    assert updated["id"] == created["id"]
    assert updated["guardians"][0] == created["guardians"][0] and len(updated["guardians"]) == 2
    again = org.sandbox("GET", f"patients/{created['id']}").json()
    assert again["insurance"] == [] and again["guardians"][0]["phone"] == "555-0111"
    assert again["guardians"][1]["relationship"] == "father"


def test_down_makes_salesforce_endpoints_answer_503(org: Org) -> None:
    org.sandbox("POST", "down", json={"seconds": 30})
    assert requests.get(f"{org.url}/services/data/", timeout=10).status_code == 503
    assert (
        requests.get(f"{org.url}/__sandbox__/notifications/pending", timeout=10).status_code == 200
    )
    org.sandbox("POST", "down", json={"seconds": 0})
    assert requests.get(f"{org.url}/services/data/", timeout=10).status_code == 200


def test_concurrent_writers_and_readers(org: Org) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sf = org.salesforce()

    def staff(i: int) -> str:
        bundle = sample_bundle()
        bundle["patient"]["first_name"] = f"P{i}"
        return org.sandbox("POST", "patients", json=bundle).json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(staff, range(24)))
        counts = list(
            pool.map(lambda _i: sf.query("SELECT COUNT() FROM Patient__c")["totalSize"], range(8))
        )
    assert len(set(created)) == 24 and all(0 <= c <= 24 for c in counts)
    names = [r["Name"] for r in sf.query("SELECT Name FROM Patient__c ORDER BY Name")["records"]]
    assert len(set(names)) == 24


def test_record_pages_render(org: Org) -> None:
    patient_id = org.new_patient()["id"]
    listing = requests.get(f"{org.url}/lightning/o/Patient__c/list", timeout=10)
    assert listing.status_code == 200 and patient_id in listing.text
    page = requests.get(f"{org.url}/lightning/r/Patient__c/{patient_id}/view", timeout=10)
    assert page.status_code == 200
    assert "O&#39;Neil" in page.text and "Intake &lt;ok&gt; &amp; fine" in page.text


def test_apex_rest_callback_keeps_what_the_emr_cannot_hold(org: Org) -> None:
    sf = org.salesforce()
    patient_id = org.new_patient()["id"]

    def report(status: str, not_stored) -> dict:
        data = {"recordId": patient_id, "status": status, "emrPatientId": "E1", "error": "x"}
        if not_stored is not None:
            data["notStored"] = not_stored
        return sf.apexecute("EmrSync/", method="POST", data=data)

    def kept() -> str | None:
        return org.sandbox("GET", f"patients/{patient_id}").json()["sync"]["not_stored"]

    report("Synced", ["guardians", "demographics.middle_name"])
    assert kept() == "guardians, demographics.middle_name"
    report("Failed", None)  # a failure says nothing about what the EMR holds
    assert kept() == "guardians, demographics.middle_name"
    report("Synced", [])
    assert kept() is None
    with pytest.raises(Exception, match="notStored must be a list of strings"):
        report("Synced", "guardians")
