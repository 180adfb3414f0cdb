"""The field map is pure: records <-> bundles, SOQL building, picklists, overrides."""

from __future__ import annotations

import json

import pytest

from syncapp.bundle import validate_bundle
from syncapp.errors import InvalidBundle, SalesforceRejected
from syncapp.field_map import (
    DEFAULT_MAP,
    build_query,
    bundle_to_records,
    load_field_map,
    record_to_bundle,
    soql_quote,
)
from tests.syncapp_salesforce.samples import intake, with_ids

FMAP = load_field_map()


def test_bundle_to_records_and_back_is_the_identity():
    bundle = with_ids(intake())
    assert record_to_bundle(bundle_to_records(bundle, FMAP), FMAP) == bundle


def test_mapped_bundle_is_already_in_canonical_json_form():
    bundle = with_ids(intake())
    mapped = record_to_bundle(bundle_to_records(bundle, FMAP), FMAP)
    assert validate_bundle(mapped).to_json() == mapped


def test_records_use_salesforce_api_names_and_wire_formats():
    record = bundle_to_records(with_ids(intake()), FMAP)
    assert record["Sex__c"] == "Female"
    assert record["BirthDate__c"] == "2015-03-09"
    assert record["Street__c"] == "12 Elm St"
    guardian = record["Guardians__r"]["records"][0]
    assert guardian["Relationship__c"] == "Mother" and guardian["Is_Primary__c"] is True
    coverage = record["Coverages__r"]["records"][0]
    assert (coverage["Rank__c"], coverage["Subscriber_Relationship__c"]) == ("Primary", "Parent")
    assert record["Case_Notes__r"]["records"][0]["Written_At__c"] == "2026-11-20T14:03:00.000+0000"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("Sex__c", "Male", "male"),
        ("Sex__c", "UNKNOWN", "unknown"),  # picklist values compare case-insensitively
        ("Sex__c", None, "unknown"),  # blank means "not recorded"
        ("Sex__c", "Nonbinary", "Nonbinary"),  # unknown: kept for validation to reject
    ],
)
def test_patient_picklist(field, value, expected):
    record = {"Id": "a00000000000001AAA", field: value}
    assert record_to_bundle(record, FMAP)["patient"]["sex"] == expected


def test_unknown_picklist_values_are_rejected_by_validation_naming_the_field():
    record = bundle_to_records(with_ids(intake()), FMAP)
    record["Guardians__r"]["records"][0]["Relationship__c"] = "Aunt"
    record["Coverages__r"]["records"][0]["Subscriber_Relationship__c"] = "Child"
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(record_to_bundle(record, FMAP))
    assert set(info.value.fields) == {
        "guardians.0.relationship",
        "insurance.0.subscriber_relationship",
    }
    assert "Aunt" not in str(info.value) and "Child" not in str(info.value)


def test_a_missing_required_picklist_is_not_defaulted():
    record = bundle_to_records(with_ids(intake()), FMAP)
    record["Coverages__r"]["records"][0]["Rank__c"] = None
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(record_to_bundle(record, FMAP))
    assert info.value.fields == ["insurance.0.rank"]


def test_empty_child_subqueries_arrive_as_null_and_become_empty_lists():
    record = {"Id": "a00000000000001AAA", "Guardians__r": None, "FirstName__c": "Ann"}
    bundle = record_to_bundle(record, FMAP)
    assert bundle["guardians"] == [] and bundle["insurance"] == [] and bundle["notes"] == []


def test_salesforce_datetimes_become_iso_utc():
    record = {
        "Id": "a00000000000001AAA",
        "Case_Notes__r": {
            "totalSize": 1,
            "done": True,
            "records": [
                {"Id": "a03000000000001AAA", "Written_At__c": "2026-11-20T14:03:05.250+0000"}
            ],
        },
    }
    note = record_to_bundle(record, FMAP)["notes"][0]
    assert note["written_at"] == "2026-11-20T14:03:05.250000Z"


def test_query_selects_patient_and_three_child_lists():
    q = build_query("a00000000000001AAA", FMAP)
    assert q.startswith("SELECT Id, EMR_Patient_Id__c, FirstName__c,")
    assert "(SELECT Id, FirstName__c, LastName__c, Relationship__c" in q
    assert "FROM Guardians__r ORDER BY CreatedDate, Id)" in q
    assert "FROM Coverages__r" in q and "FROM Case_Notes__r" in q
    assert q.endswith("FROM Patient__c WHERE Id = 'a00000000000001AAA'")


@pytest.mark.parametrize(
    "bad",
    ["", "a00", "a00000000000001AA", "a00000000000001' OR Id != '", "a0000000000000\\'", None],
)
def test_query_refuses_anything_but_a_salesforce_id(bad):
    with pytest.raises(SalesforceRejected) as info:
        build_query(bad, FMAP)
    assert info.value.retryable is False


def test_15_character_ids_are_accepted():
    assert build_query("a00000000000001", FMAP).endswith("WHERE Id = 'a00000000000001'")


def test_soql_quote_escapes_quotes_and_backslashes():
    assert soql_quote("O'Brien\\x\n") == "'O\\'Brien\\\\x\\n'"


def test_a_clinic_override_renames_fields_and_adds_picklist_values(tmp_path):
    override = {
        "patient": {
            "fields": {
                "patient.first_name": "Given_Name__c",
                "patient.sex": {"values": {"Woman": "female"}},
            }
        },
        "children": {"notes": {"relationship": "Notes__r"}},
    }
    path = tmp_path / "map.json"
    path.write_text(json.dumps(override))
    fmap = load_field_map(path)
    q = build_query("a00000000000001AAA", fmap)
    assert "Given_Name__c" in q and "FROM Notes__r" in q and "FirstName__c, MiddleName" not in q
    bundle = record_to_bundle({"Id": "a00000000000001AAA", "Sex__c": "Woman"}, fmap)
    assert bundle["patient"]["sex"] == "female"
    assert record_to_bundle({"Sex__c": "Female"}, fmap)["patient"]["sex"] == "female"
    # The default is untouched by the merge.
    assert DEFAULT_MAP["patient"]["fields"]["patient.first_name"] == "FirstName__c"


def test_an_override_with_a_typo_fails_loudly(tmp_path):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"patient": {"feilds": {}}}))
    with pytest.raises(ValueError, match="feilds"):
        load_field_map(path)
