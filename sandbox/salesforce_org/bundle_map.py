"""Canonical patient bundle <-> the org's records, for the ``/__sandbox__`` API.

Tests and the demo speak the project's bundle shape (``syncapp.bundle``); this
module turns one into what staff would have typed into Salesforce, and reads a
patient back as a bundle. It never validates against the EMR's rules: staff can
enter a future birth date or a malformed member id, and so can tests.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce_org import schema, values
from sandbox.salesforce_org.errors import ApiError
from sandbox.salesforce_org.records import Records

# canonical key -> API name, per object
PATIENT_FIELDS = {
    "first_name": "FirstName__c",
    "middle_name": "MiddleName__c",
    "last_name": "LastName__c",
    "date_of_birth": "BirthDate__c",
    "sex": "Sex__c",
    "phone": "Phone__c",
    "email": "Email__c",
}
ADDRESS_FIELDS = {
    "street": "Street__c",
    "city": "City__c",
    "state": "State__c",
    "postal_code": "PostalCode__c",
}
GUARDIAN_FIELDS = {
    "first_name": "FirstName__c",
    "last_name": "LastName__c",
    "relationship": "Relationship__c",
    "phone": "Phone__c",
    "email": "Email__c",
    "is_primary": "Is_Primary__c",
}
COVERAGE_FIELDS = {
    "rank": "Rank__c",
    "payer": "Payer__c",
    "member_id": "Member_Id__c",
    "group_number": "Group_Number__c",
    "subscriber_name": "Subscriber_Name__c",
    "subscriber_relationship": "Subscriber_Relationship__c",
    "effective_date": "Effective_Date__c",
}
NOTE_FIELDS = {"written_at": "Written_At__c", "author": "Author__c", "text": "Body__c"}
# Lower-case canonical values whose picklist value is the capitalised word.
PICKLISTS = {"Sex__c", "Relationship__c", "Rank__c", "Subscriber_Relationship__c"}

CHILDREN = (
    ("guardians", schema.GUARDIAN, GUARDIAN_FIELDS),
    ("insurance", schema.COVERAGE, COVERAGE_FIELDS),
    ("notes", schema.CASE_NOTE, NOTE_FIELDS),
)


class BundleError(ApiError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, "INVALID_BUNDLE", message)


def _to_sf(api_name: str, value: Any) -> Any:
    if value is None:
        return None
    if api_name in PICKLISTS and isinstance(value, str):
        return value[:1].upper() + value[1:].lower() if value.islower() else value
    if api_name == "Written_At__c" and isinstance(value, str):
        try:
            return values.normalize_datetime(value)
        except ValueError:
            return value
    return value


def _from_sf(api_name: str, value: Any) -> Any:
    if value is None:
        return None
    if api_name in PICKLISTS and isinstance(value, str):
        return value.lower()
    if api_name == "Written_At__c":
        try:
            return values.iso_datetime(value)
        except ValueError:
            return value
    return value


def _section(data: Any, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BundleError(f"{where} must be an object")
    return data


def _fields(data: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    return {api: _to_sf(api, data.get(key)) for key, api in mapping.items()}


def save_bundle(records: Records, bundle: Any) -> dict[str, Any]:
    """Create or update a patient and its children as staff would; no notification.

    Returns ``{"id", "guardians", "insurance", "notes"}`` with ids in bundle order.
    """
    bundle = _section(bundle, "bundle")
    patient = _section(bundle.get("patient"), "patient")
    fields = _fields(patient, PATIENT_FIELDS)
    fields.update(_fields(_section(patient.get("address"), "patient.address"), ADDRESS_FIELDS))
    if fields["Sex__c"] is None:
        fields["Sex__c"] = "Unknown"
    if bundle.get("emr_patient_id"):
        fields["EMR_Patient_Id__c"] = bundle["emr_patient_id"]
    with records.store.transaction():
        patient_id = bundle.get("salesforce_id")
        if patient_id:
            if records.get(schema.PATIENT, patient_id) is None:
                raise BundleError(f"no patient {patient_id}", status=404)
            patient_id = records.get(schema.PATIENT, patient_id)["Id"]
            records.update(schema.PATIENT, patient_id, fields, validate=False, notify=False)
        else:
            patient_id = records.insert(schema.PATIENT, fields, validate=False, notify=False)
        result: dict[str, Any] = {"id": patient_id}
        for key, obj, mapping in CHILDREN:
            items = bundle.get(key) or []
            if not isinstance(items, list):
                raise BundleError(f"{key} must be a list")
            existing = {r["Id"]: r for r in records.children(patient_id, obj)}
            kept: list[str] = []
            for index, item in enumerate(items):
                item = _section(item, f"{key}[{index}]")
                child = _fields(item, mapping)
                if obj is schema.GUARDIAN:
                    child["Is_Primary__c"] = bool(item.get("is_primary"))
                child_id = item.get("salesforce_id")
                if child_id:
                    found = records.get(obj, child_id)
                    if found is None or found["Id"] not in existing:
                        raise BundleError(
                            f"{key}[{index}].salesforce_id is not a {obj.name} of this patient"
                        )
                    records.update(obj, found["Id"], child, validate=False, notify=False)
                    kept.append(found["Id"])
                else:
                    child["Patient__c"] = patient_id
                    kept.append(records.insert(obj, child, validate=False, notify=False))
            for gone in set(existing) - set(kept):
                records.delete(obj, gone)
            result[key] = kept
    return result


def load_bundle(records: Records, patient_id: str) -> dict[str, Any] | None:
    """The patient as a canonical bundle (all salesforce_ids) plus its ``sync`` state."""
    patient = records.get(schema.PATIENT, patient_id)
    if patient is None:
        return None
    demographics: dict[str, Any] = {
        k: _from_sf(a, patient.get(a)) for k, a in PATIENT_FIELDS.items()
    }
    demographics["address"] = {k: patient.get(a) for k, a in ADDRESS_FIELDS.items()}
    bundle: dict[str, Any] = {
        "salesforce_id": patient["Id"],
        "emr_patient_id": patient.get("EMR_Patient_Id__c"),
        "patient": demographics,
    }
    for key, obj, mapping in CHILDREN:
        items = []
        for row in records.children(patient["Id"], obj):
            item = {"salesforce_id": row["Id"]}
            item.update({k: _from_sf(a, row.get(a)) for k, a in mapping.items()})
            items.append(item)
        bundle[key] = items
    bundle["sync"] = {
        "emr_patient_id": patient.get("EMR_Patient_Id__c"),
        "status": patient.get("EMR_Sync_Status__c"),
        "error": patient.get("EMR_Sync_Error__c"),
        "last_synced": patient.get("EMR_Last_Synced__c"),
        "not_stored": patient.get("EMR_Not_Stored__c"),
    }
    return bundle
