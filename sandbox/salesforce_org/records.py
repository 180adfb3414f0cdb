"""DML: insert, update and delete records with Salesforce's rules and errors.

Every write goes through here (REST API, Apex REST, the staff stand-in of
``/__sandbox__``) so that system fields, auto-numbers, master-detail cascades
and the "notify on staff change" rule are applied once. API writes are
validated the way the platform validates them (types, lengths, restricted
picklists, the unique external id, one validation rule); staff writes through
``/__sandbox__`` skip validation on purpose, so tests can store data that the
EMR will reject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.salesforce_org import ids, schema, values
from sandbox.salesforce_org.errors import ApiError, not_found
from sandbox.salesforce_org.schema import SObject
from sandbox.salesforce_org.store import Store

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SYNCED_NEEDS_ID = "A synced patient needs an EMR Patient Id."


def _parser_error(kind: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} "
        "or request may be missing a required field at [line:1, column:1]",
    )


class Records:
    """Record-level operations on top of the store."""

    def __init__(self, store: Store, user_id: str, notify: Callable[[str], None]) -> None:
        self.store = store
        self.user_id = user_id
        self._notify = notify

    # --- reads -----------------------------------------------------------------

    def get(self, obj: SObject, record_id: str) -> dict[str, Any] | None:
        """The live record ``record_id`` (15 or 18 chars) of type ``obj``, or None."""
        canonical = ids.to18(record_id)
        if canonical is None or canonical[:3] != obj.key_prefix:
            return None
        record = self.store.get_record(canonical)
        if record is None or record["IsDeleted"]:
            return None
        return record

    def require(self, obj: SObject, record_id: str) -> dict[str, Any]:
        record = self.get(obj, record_id)
        if record is None:
            raise not_found()
        return record

    def all(self, obj: SObject, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        rows = self.store.records(obj.name)
        return rows if include_deleted else [r for r in rows if not r["IsDeleted"]]

    def children(
        self, parent_id: str, child: SObject, *, include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        rows = self.store.records(child.name, parent_id)
        return rows if include_deleted else [r for r in rows if not r["IsDeleted"]]

    # --- writes ----------------------------------------------------------------

    def insert(
        self, obj: SObject, data: dict[str, Any], *, validate: bool = True, notify: bool = True
    ) -> str:
        with self.store.transaction():
            clean = self._clean(obj, data, validate=validate, existing=None)
            if obj.parent_field and not clean.get(obj.parent_field):
                raise ApiError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{obj.parent_field}]",
                    [obj.parent_field],
                )
            record_id, counter = self.store.next_id(obj.key_prefix, obj.name)
            stamp = values.now()
            record: dict[str, Any] = {f.name: f.default for f in obj.fields}
            record.update(
                Id=record_id,
                IsDeleted=False,
                Name=obj.name_format.format(counter),
                CreatedDate=stamp,
                CreatedById=self.user_id,
                LastModifiedDate=stamp,
                LastModifiedById=self.user_id,
                SystemModstamp=stamp,
            )
            record.update(clean)
            if validate:
                self._validate_rules(obj, record)
            self.store.put_record(obj.name, record, self._parent_of(obj, record))
        if notify:
            self._notify(self._patient_of(obj, record))
        return record["Id"]

    def update(
        self,
        obj: SObject,
        record_id: str,
        data: dict[str, Any],
        *,
        validate: bool = True,
        notify: bool = True,
    ) -> set[str]:
        """Apply ``data``; return the names of fields whose value changed."""
        with self.store.transaction():
            record = self.require(obj, record_id)
            clean = self._clean(obj, data, validate=validate, existing=record)
            changed = {k for k, v in clean.items() if record.get(k) != v}
            record.update(clean)
            if validate:
                self._validate_rules(obj, record)
            stamp = values.now()
            record.update(
                LastModifiedDate=stamp, LastModifiedById=self.user_id, SystemModstamp=stamp
            )
            self.store.put_record(obj.name, record, self._parent_of(obj, record))
        if notify and changed - schema.SYNC_FIELDS:
            self._notify(self._patient_of(obj, record))
        return changed

    def delete(self, obj: SObject, record_id: str) -> None:
        """Move the record (and, for a patient, its children) to the recycle bin."""
        with self.store.transaction():
            canonical = ids.to18(record_id)
            record = self.store.get_record(canonical) if canonical else None
            if record is None or canonical[:3] != obj.key_prefix:
                raise not_found()
            if record["IsDeleted"]:
                raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
            stamp = values.now()
            doomed = [(obj, record)]
            for child_name in obj.children.values():
                child = schema.OBJECTS[child_name]
                doomed += [(child, r) for r in self.children(record["Id"], child)]
            for kind, row in doomed:
                row.update(IsDeleted=True, SystemModstamp=stamp, LastModifiedDate=stamp)
                self.store.put_record(kind.name, row, self._parent_of(kind, row))

    # --- rules -----------------------------------------------------------------

    @staticmethod
    def _parent_of(obj: SObject, record: dict[str, Any]) -> str | None:
        return record.get(obj.parent_field) if obj.parent_field else None

    @staticmethod
    def _patient_of(obj: SObject, record: dict[str, Any]) -> str:
        return record[obj.parent_field] if obj.parent_field else record["Id"]

    def _clean(
        self,
        obj: SObject,
        data: dict[str, Any],
        *,
        validate: bool,
        existing: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if key == "attributes":
                continue
            spec = obj.field(key)
            if spec is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
                )
            if spec.name == "Id" and existing is not None and ids.same_id(value, existing["Id"]):
                continue
            if not spec.writable or (
                spec.name == obj.parent_field
                and existing is not None
                and not ids.same_id(value, existing.get(spec.name))
            ):
                raise ApiError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {spec.name}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                    [spec.name],
                )
            clean[spec.name] = self._coerce(obj, spec, value, validate=validate)
        return clean

    def _coerce(self, obj: SObject, spec: schema.Field, value: Any, *, validate: bool) -> Any:
        if value is None or (value == "" and spec.type not in ("boolean",)):
            if spec.type == "boolean":
                return False
            return None
        kind = spec.type
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if not validate and isinstance(value, str):
                return value.strip().lower() == "true"
            raise _parser_error("boolean", value)
        if kind == "date":
            try:
                return values.normalize_date(str(value))
            except ValueError:
                if validate:
                    raise _parser_error("date", value) from None
                return str(value)
        if kind == "datetime":
            try:
                return values.normalize_datetime(str(value))
            except ValueError:
                if validate:
                    raise _parser_error("datetime", value) from None
                return str(value)
        if kind == "reference":
            canonical = ids.to18(str(value))
            if canonical is None or canonical[:3] != schema.OBJECTS[spec.reference_to].key_prefix:
                raise ApiError(
                    400,
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{spec.label}: id value of incorrect type: {value}",
                    [spec.name],
                )
            if self.get(schema.OBJECTS[spec.reference_to], canonical) is None:
                raise ApiError(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    [spec.name],
                )
            return canonical
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise _parser_error("string", value)
        text = str(value)
        if not validate:
            return text
        if spec.length and len(text) > spec.length:
            raise ApiError(
                400,
                "STRING_TOO_LONG",
                f"{spec.label}: data value too large: {text[:40]} (max length={spec.length})",
                [spec.name],
            )
        if kind == "picklist" and text not in spec.picklist:
            raise ApiError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{spec.label}: bad value for restricted picklist field: {text}",
                [spec.name],
            )
        if kind == "email" and not _EMAIL.match(text):
            raise ApiError(
                400,
                "INVALID_EMAIL_ADDRESS",
                f"{spec.label}: invalid email address: {text}",
                [spec.name],
            )
        return text

    def _validate_rules(self, obj: SObject, record: dict[str, Any]) -> None:
        """The org's validation rule and unique index on the Patient object."""
        if obj is not schema.PATIENT:
            return
        if record.get("EMR_Sync_Status__c") == "Synced" and not record.get("EMR_Patient_Id__c"):
            raise ApiError(
                400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", SYNCED_NEEDS_ID, ["EMR_Patient_Id__c"]
            )
        emr_id = record.get("EMR_Patient_Id__c")
        if emr_id:
            for other in self.all(obj):
                if (
                    other["Id"] != record["Id"]
                    and (other.get("EMR_Patient_Id__c") or "").lower() == emr_id.lower()
                ):
                    raise ApiError(
                        400,
                        "DUPLICATE_VALUE",
                        "duplicate value found: EMR_Patient_Id__c duplicates value on record "
                        f"with id: {other['Id']}",
                        ["EMR_Patient_Id__c"],
                    )
