"""The Apex REST callback ``POST /services/apexrest/EmrSync/``: the sync's result.

Stands in for the project's ``@RestResource(urlMapping='/EmrSync/*')`` class:
it writes the EMR patient id and the sync status back onto the Patient record.
Only sync fields change, so the write never raises another notification (no
loops). Every call, accepted or not, is logged for ``GET /__sandbox__/callbacks``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.salesforce_org import schema, values
from sandbox.salesforce_org.errors import ApiError
from sandbox.salesforce_org.notifier import iso_now
from sandbox.salesforce_org.oauth import require_session
from sandbox.salesforce_org.org import org

bp = Blueprint("apexrest", __name__)

ERROR_MAX = 2000  # length of EMR_Sync_Error__c; the Apex class truncates, as should callers


def _fail(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message)


def _validate(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _fail(400, "JSON_PARSER_ERROR", "Expected a JSON object")
    record_id = body.get("recordId")
    status = body.get("status")
    if not isinstance(record_id, str) or not record_id:
        raise _fail(400, "BAD_REQUEST", "recordId is required")
    if status not in ("Synced", "Failed"):
        raise _fail(400, "BAD_REQUEST", "status must be Synced or Failed")
    for key in ("emrPatientId", "error"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise _fail(400, "BAD_REQUEST", f"{key} must be a string")
    for key in ("changedFields", "notStored"):  # notStored: what the EMR cannot hold
        names = body.get(key)
        if names is not None and (
            not isinstance(names, list) or not all(isinstance(c, str) for c in names)
        ):
            raise _fail(400, "BAD_REQUEST", f"{key} must be a list of strings")
    return body


@bp.route("/services/apexrest/<path:action>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def apex(action: str) -> Response:
    denied = require_session()
    if denied is not None:
        return denied
    the_org = org()
    raw = request.get_data(as_text=True)
    entry: dict[str, Any] = {
        "path": "/services/apexrest/" + action,
        "method": request.method,
        "at": iso_now(),
    }
    try:
        if action.split("/")[0] != "EmrSync":
            raise _fail(404, "NOT_FOUND", "Could not find a match for URL")
        if request.method != "POST":
            raise _fail(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are POST",
            )
        try:
            body = json.loads(raw)
        except ValueError:
            entry["body"] = raw
            raise _fail(400, "JSON_PARSER_ERROR", "Unexpected character in request body") from None
        entry["body"] = body
        body = _validate(body)
        patient = the_org.records.get(schema.PATIENT, body["recordId"])
        if patient is None:
            raise _fail(404, "NOT_FOUND", f"No Patient__c record with id {body['recordId']}")
        changes: dict[str, Any] = {
            "EMR_Sync_Status__c": body["status"],
            "EMR_Last_Synced__c": values.now(),
            "EMR_Sync_Error__c": None
            if body["status"] == "Synced"
            else (body.get("error") or "Sync failed")[:ERROR_MAX],
        }
        if body.get("emrPatientId"):
            changes["EMR_Patient_Id__c"] = body["emrPatientId"]
        if body["status"] == "Synced":  # what the EMR cannot hold; a failure leaves it
            changes["EMR_Not_Stored__c"] = ", ".join(body.get("notStored") or [])[:1000] or None
        the_org.records.update(schema.PATIENT, patient["Id"], changes, notify=False)
        result = {"success": True, "recordId": patient["Id"]}
        entry.update(status_code=200, record_id=patient["Id"], response=result)
        return jsonify(result)
    except ApiError as exc:
        entry.update(status_code=exc.status, response=exc.body())
        raise
    finally:
        entry.setdefault("body", raw)
        the_org.store.log("callbacks", entry)
