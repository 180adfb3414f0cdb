"""The portal's private JSON API, called only by its own JavaScript.

Every save receives only the fields the user changed, validates the merged
record, and logs one write per received field: the write log is how tests
prove that the sync's read-before-write really skips unchanged fields.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from . import records
from .auth import api_login_required
from .db import get_db, transaction
from .render import TABS, tab_payload
from .validation import COVERAGE, DEMOGRAPHICS, GUARDIAN, NOTE, parse_us_date, us_date, validate

bp = Blueprint("api", __name__, url_prefix="/api")


def _not_found() -> Any:
    return jsonify({"error": "not_found"}), 404


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _invalid(errors: dict[str, str]) -> Any:
    return jsonify({"errors": errors}), 422


def _patient(mrn: str) -> dict[str, Any] | None:
    pid = records.parse_mrn(mrn)
    return records.get_patient(get_db(), pid) if pid is not None else None


@bp.get("/patients/search")
@api_login_required()
def search() -> Any:
    dob_text = request.args.get("dob", "").strip()
    dob = None
    if dob_text:
        parsed = parse_us_date(dob_text)
        if parsed is None:
            return _invalid({"dob": "Date of birth must be a valid date as MM/DD/YYYY"})
        dob = parsed.isoformat()
    hits = records.search_patients(
        get_db(), last=request.args.get("last", ""), first=request.args.get("first", ""), dob=dob
    )
    return jsonify(
        {
            "results": [
                {
                    "mrn": p["mrn"],
                    "name": records.display_name(p),
                    "dob": us_date(p["date_of_birth"]),
                    "url": f"/patients/{p['mrn']}",
                }
                for p in hits
            ]
        }
    )


@bp.post("/patients")
@api_login_required()
def create_patient() -> Any:
    body = _body()
    if body is None:
        return jsonify({"error": "bad_request"}), 400
    changes, errors = validate(DEMOGRAPHICS, body)
    if errors:
        return _invalid(errors)
    with transaction() as conn:
        pid = records.create_patient(conn, changes)
        mrn = records.format_mrn(pid)
        records.log_writes(conn, mrn, "demographics", list(body))
    return jsonify({"mrn": mrn, "url": f"/patients/{mrn}"}), 201


@bp.get("/patients/<mrn>/<tab>")
@api_login_required()
def get_tab(mrn: str, tab: str) -> Any:
    patient = _patient(mrn)
    if patient is None or tab not in TABS:
        return _not_found()
    return jsonify(tab_payload(get_db(), patient, tab))


@bp.patch("/patients/<mrn>/demographics")
@api_login_required()
def save_demographics(mrn: str) -> Any:
    body = _body()
    if body is None:
        return jsonify({"error": "bad_request"}), 400
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None:
            return _not_found()
        changes, errors = validate(DEMOGRAPHICS, body, patient)
        if errors:
            return _invalid(errors)
        records.update_patient(conn, patient["id"], changes)
        records.log_writes(conn, mrn, "demographics", list(body))
        patient = _patient(mrn)
        assert patient is not None
    return jsonify(tab_payload(get_db(), patient, "demographics"))


@bp.post("/patients/<mrn>/guardians")
@bp.patch("/patients/<mrn>/guardians/<int:guardian_id>")
@api_login_required()
def save_guardian(mrn: str, guardian_id: int | None = None) -> Any:
    body = _body()
    if body is None:
        return jsonify({"error": "bad_request"}), 400
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None:
            return _not_found()
        stored = None
        if guardian_id is not None:
            stored = records.get_guardian(conn, patient["id"], guardian_id)
            if stored is None:
                return _not_found()
        changes, errors = validate(GUARDIAN, body, stored)
        if errors:
            return _invalid(errors)
        records.save_guardian(conn, patient["id"], guardian_id, changes)
        records.log_writes(conn, mrn, "guardians", list(body))
    status = 201 if guardian_id is None else 200
    return jsonify(tab_payload(get_db(), patient, "guardians")), status


@bp.delete("/patients/<mrn>/guardians/<int:guardian_id>")
@api_login_required()
def remove_guardian(mrn: str, guardian_id: int) -> Any:
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None or not records.delete_guardian(conn, patient["id"], guardian_id):
            return _not_found()
        records.log_writes(conn, mrn, "guardians", ["*"])
    return jsonify(tab_payload(get_db(), patient, "guardians"))


@bp.put("/patients/<mrn>/insurance/<rank>")
@api_login_required()
def save_coverage(mrn: str, rank: str) -> Any:
    body = _body()
    if body is None:
        return jsonify({"error": "bad_request"}), 400
    if rank not in records.RANKS:
        return _not_found()
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None:
            return _not_found()
        stored = records.get_coverages(conn, patient["id"]).get(rank)
        changes, errors = validate(COVERAGE, body, stored)
        if errors:
            return _invalid(errors)
        records.save_coverage(conn, patient["id"], rank, {**(stored or {}), **changes})
        records.log_writes(conn, mrn, "insurance", list(body))
    return jsonify(tab_payload(get_db(), patient, "insurance"))


@bp.delete("/patients/<mrn>/insurance/<rank>")
@api_login_required()
def remove_coverage(mrn: str, rank: str) -> Any:
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None or not records.delete_coverage(conn, patient["id"], rank):
            return _not_found()
        records.log_writes(conn, mrn, "insurance", ["*"])
    return jsonify(tab_payload(get_db(), patient, "insurance"))


@bp.post("/patients/<mrn>/notes")
@api_login_required()
def add_note(mrn: str) -> Any:
    body = _body()
    if body is None:
        return jsonify({"error": "bad_request"}), 400
    with transaction() as conn:
        patient = _patient(mrn)
        if patient is None:
            return _not_found()
        changes, errors = validate(NOTE, body)
        if errors:
            return _invalid(errors)
        records.add_note(conn, patient["id"], changes)
        records.log_writes(conn, mrn, "notes", list(body))
    return jsonify(tab_payload(get_db(), patient, "notes")), 201
