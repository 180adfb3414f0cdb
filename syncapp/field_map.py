"""The one declarative map between Salesforce records and the canonical patient bundle.

Every API name, picklist value and child relationship the service knows lives in
``DEFAULT_MAP``; a clinic whose org uses other names points ``SF_FIELD_MAP`` at a
JSON file that is deep-merged onto it (see ``docs/salesforce.md``). Mapping is a
pure function in both directions so that it is unit-tested without Salesforce.

Mapping never guesses: a picklist value the map does not know is kept as is, so
that ``validate_bundle`` rejects it and names the field, rather than being
turned silently into some default that would then be typed into a chart.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from syncapp.errors import SalesforceRejected
from syncapp.sfid import is_salesforce_id

FieldType = Literal["string", "date", "datetime", "boolean", "picklist"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldSpec(_Strict):
    """One Salesforce field; ``values`` maps Salesforce picklist values to canonical ones."""

    field: str
    type: FieldType = "string"
    values: dict[str, str] = Field(default_factory=dict)
    if_null: Any = None  # canonical value when Salesforce sends null (e.g. sex -> "unknown")


class ObjectMap(_Strict):
    """A Salesforce object; ``fields`` is keyed by dotted bundle path (relative to the item)."""

    sobject: str
    relationship: str | None = None  # child relationship name in SOQL, e.g. Guardians__r
    parent_field: str | None = None  # a child's lookup to its patient, e.g. Patient__c
    order_by: str | None = None
    fields: dict[str, FieldSpec | str]

    def specs(self) -> dict[str, FieldSpec]:
        return {
            p: s if isinstance(s, FieldSpec) else FieldSpec(field=s) for p, s in self.fields.items()
        }


class FieldMap(_Strict):
    patient: ObjectMap
    children: dict[str, ObjectMap]  # bundle list key -> child object
    sync: dict[str, str]  # sync field role -> API name (written by the Apex callback)


def _pick(field: str, values: dict[str, str], if_null: Any = None) -> dict[str, Any]:
    return {"field": field, "type": "picklist", "values": values, "if_null": if_null}


DEFAULT_MAP: dict[str, Any] = {
    "patient": {
        "sobject": "Patient__c",
        "fields": {
            "emr_patient_id": "EMR_Patient_Id__c",
            "patient.first_name": "FirstName__c",
            "patient.middle_name": "MiddleName__c",
            "patient.last_name": "LastName__c",
            "patient.date_of_birth": {"field": "BirthDate__c", "type": "date"},
            "patient.sex": _pick(
                "Sex__c",
                {"Female": "female", "Male": "male", "Other": "other", "Unknown": "unknown"},
                if_null="unknown",  # a blank picklist means "not recorded", which is "unknown"
            ),
            "patient.phone": "Phone__c",
            "patient.email": "Email__c",
            "patient.address.street": "Street__c",
            "patient.address.city": "City__c",
            "patient.address.state": "State__c",
            "patient.address.postal_code": "PostalCode__c",
        },
    },
    "children": {
        "guardians": {
            "sobject": "Guardian__c",
            "relationship": "Guardians__r",
            "parent_field": "Patient__c",
            "order_by": "CreatedDate, Id",
            "fields": {
                "first_name": "FirstName__c",
                "last_name": "LastName__c",
                "relationship": _pick(
                    "Relationship__c",
                    {
                        "Mother": "mother",
                        "Father": "father",
                        "Guardian": "guardian",
                        "Grandparent": "grandparent",
                        "Other": "other",
                    },
                ),
                "phone": "Phone__c",
                "email": "Email__c",
                "is_primary": {"field": "Is_Primary__c", "type": "boolean"},
            },
        },
        "insurance": {
            "sobject": "Insurance_Coverage__c",
            "relationship": "Coverages__r",
            "parent_field": "Patient__c",
            "order_by": "Rank__c, Id",
            "fields": {
                "rank": _pick("Rank__c", {"Primary": "primary", "Secondary": "secondary"}),
                "payer": "Payer__c",  # picklist whose values are already the portal's names
                "member_id": "Member_Id__c",
                "group_number": "Group_Number__c",
                "subscriber_name": "Subscriber_Name__c",
                "subscriber_relationship": _pick(
                    "Subscriber_Relationship__c",
                    {"Self": "self", "Parent": "parent", "Spouse": "spouse", "Other": "other"},
                ),
                "effective_date": {"field": "Effective_Date__c", "type": "date"},
            },
        },
        "notes": {
            "sobject": "Case_Note__c",
            "relationship": "Case_Notes__r",
            "parent_field": "Patient__c",
            "order_by": "Written_At__c, Id",
            "fields": {
                "written_at": {"field": "Written_At__c", "type": "datetime"},
                "author": "Author__c",
                "text": "Body__c",
            },
        },
    },
    "sync": {
        "emr_patient_id": "EMR_Patient_Id__c",
        "status": "EMR_Sync_Status__c",
        "error": "EMR_Sync_Error__c",
        "last_synced": "EMR_Last_Synced__c",
    },
}


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge JSON objects; anything else in the override replaces the default."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {
            k: _merge(base.get(k), v) if k in base else v for k, v in {**base, **override}.items()
        }
    return override


def load_field_map(path: Path | None = None) -> FieldMap:
    """The default map, with the clinic's JSON override (``SF_FIELD_MAP``) merged on top."""
    data = DEFAULT_MAP
    if path:
        data = _merge(DEFAULT_MAP, json.loads(Path(path).read_text()))
    return FieldMap.model_validate(data)


@lru_cache(maxsize=4)
def _cached_map(path: str | None) -> FieldMap:
    return load_field_map(Path(path) if path else None)


def get_field_map() -> FieldMap:
    """The process's field map, from the settings."""
    from syncapp.settings import get_settings

    path = get_settings().sf_field_map
    return _cached_map(str(path) if path else None)


# --- SOQL ----------------------------------------------------------------------


def soql_quote(value: str) -> str:
    """A SOQL string literal: backslash-escape the characters SOQL treats specially."""
    escaped = "".join("\\" + c if c in "\\'\"" else c for c in value)
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def build_query(record_id: str, fmap: FieldMap | None = None) -> str:
    """One SOQL query for the patient and its three child lists.

    Raises ``SalesforceRejected`` (permanent) when ``record_id`` is not a 15/18
    character Salesforce id: such a job can never succeed.
    """
    if not is_salesforce_id(record_id):
        raise SalesforceRejected("not a Salesforce record id", step="build_query")
    fmap = fmap or get_field_map()
    top = ["Id", *dict.fromkeys(s.field for s in fmap.patient.specs().values())]
    for child in fmap.children.values():
        cols = ", ".join(["Id", *dict.fromkeys(s.field for s in child.specs().values())])
        order = f" ORDER BY {child.order_by}" if child.order_by else ""
        top.append(f"(SELECT {cols} FROM {child.relationship}{order})")
    return f"SELECT {', '.join(top)} FROM {fmap.patient.sobject} WHERE Id = {soql_quote(record_id)}"


# --- values ----------------------------------------------------------------------


def _to_canonical(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return False if spec.type == "boolean" else spec.if_null
    if spec.type == "picklist":
        if value in spec.values:
            return spec.values[value]
        folded = {k.casefold(): v for k, v in spec.values.items()}
        # Unknown values are kept so that validation rejects them and names the field.
        return folded.get(str(value).casefold(), value)
    if spec.type == "datetime":
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return value  # left for validation to reject
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        text = parsed.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if spec.type == "date":
        return str(value)[:10] if isinstance(value, str) else value
    if spec.type == "boolean":
        return bool(value)
    return value


def _to_salesforce(spec: FieldSpec, value: Any) -> Any:
    if value in (None, ""):
        return False if spec.type == "boolean" else None
    if spec.type == "picklist":
        reverse = {v: k for k, v in spec.values.items()}
        return reverse.get(value, value)
    if spec.type == "datetime":
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        # Salesforce's own wire form: UTC, milliseconds, "+0000".
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{parsed.microsecond // 1000:03d}+0000"
        )
    if spec.type == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _get(source: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(source, dict):
            return None
        source = source.get(part)  # type: ignore[assignment]
    return source


def _object_to_item(obj: ObjectMap, record: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for path, spec in obj.specs().items():
        _put(item, path, _to_canonical(spec, record.get(spec.field)))
    return item


def child_records(record: dict[str, Any], relationship: str) -> list[dict[str, Any]]:
    """The rows of a child subquery; Salesforce sends ``null`` for an empty one."""
    related = record.get(relationship)
    return list(related.get("records") or []) if isinstance(related, dict) else []


def record_to_bundle(record: dict[str, Any], fmap: FieldMap | None = None) -> dict[str, Any]:
    """Map a SOQL result row (with child subqueries) to a bundle dict, not yet validated."""
    fmap = fmap or get_field_map()
    bundle: dict[str, Any] = {"salesforce_id": record.get("Id")}
    bundle.update(_object_to_item(fmap.patient, record))
    for key, child in fmap.children.items():
        bundle[key] = [
            {"salesforce_id": row.get("Id"), **_object_to_item(child, row)}
            for row in child_records(record, child.relationship or "")
        ]
    return bundle


def _item_to_record(obj: ObjectMap, item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": obj.sobject}}
    if item.get("salesforce_id"):
        out["Id"] = item["salesforce_id"]
    for path, spec in obj.specs().items():
        out[spec.field] = _to_salesforce(spec, _get(item, path))
    return out


def bundle_to_records(bundle: dict[str, Any], fmap: FieldMap | None = None) -> dict[str, Any]:
    """The reverse of ``record_to_bundle``: a query-shaped record, for tests and fixtures."""
    fmap = fmap or get_field_map()
    record = _item_to_record(fmap.patient, bundle)
    if bundle.get("salesforce_id"):
        record["Id"] = bundle["salesforce_id"]
    for key, child in fmap.children.items():
        rows = [_item_to_record(child, item) for item in bundle.get(key) or []]
        record[child.relationship or key] = (
            {"totalSize": len(rows), "done": True, "records": rows} if rows else None
        )
    return record
