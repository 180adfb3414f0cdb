"""Turn stored records into what the screens show: form values and tab fragments.

The tab HTML is rendered on the server (Jinja) and shipped inside the JSON of
``/api/patients/<mrn>/<tab>``, so the markup contract lives in one place (the
templates) while the page still fills its panels by ``fetch`` after load.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import render_template

from . import records
from .validation import (
    COVERAGE,
    DEMOGRAPHICS,
    GUARDIAN,
    PAYERS,
    RELATIONSHIPS,
    SEXES,
    SUBSCRIBER_RELATIONSHIPS,
    Field,
    us_date,
)

TABS = ("demographics", "guardians", "insurance", "notes")

CHOICES: dict[str, list[tuple[str, str]]] = {
    "sex": [(v, v.capitalize()) for v in SEXES],
    "relationship": [(v, v.capitalize()) for v in RELATIONSHIPS],
    "subscriber_relationship": [(v, v.capitalize()) for v in SUBSCRIBER_RELATIONSHIPS],
    "payer": [(v, v) for v in PAYERS],
}


def form_values(fields: tuple[Field, ...], record: dict[str, Any] | None) -> dict[str, Any]:
    """Storage values to input values: ``MM/DD/YYYY`` dates, ``""`` for nothing."""
    record = record or {}
    out: dict[str, Any] = {}
    for f in fields:
        value = record.get(f.name)
        if f.kind == "bool":
            out[f.name] = bool(value)
        elif f.kind == "date":
            out[f.name] = us_date(value)
        else:
            out[f.name] = "" if value is None else value
    return out


def tab_data(conn: sqlite3.Connection, patient: dict[str, Any], tab: str) -> Any:
    pid = patient["id"]
    if tab == "demographics":
        return form_values(DEMOGRAPHICS, patient)
    if tab == "guardians":
        return [
            {"id": g["id"], **form_values(GUARDIAN, g)} for g in records.list_guardians(conn, pid)
        ]
    if tab == "insurance":
        coverages = records.get_coverages(conn, pid)
        return {
            rank: form_values(COVERAGE, coverages[rank]) if rank in coverages else None
            for rank in records.RANKS
        }
    if tab == "notes":
        return [
            {
                "id": n["id"],
                "date": us_date(n["date"]),
                "author": n["author"],
                "text": n["text"],
                "reference": n["reference"] or "",
            }
            for n in records.list_notes(conn, pid)
        ]
    raise KeyError(tab)


def tab_payload(conn: sqlite3.Connection, patient: dict[str, Any], tab: str) -> dict[str, Any]:
    data = tab_data(conn, patient, tab)
    html = render_template(f"tabs/{tab}.html", patient=patient, data=data, choices=CHOICES)
    return {
        "mrn": patient["mrn"],
        "name": records.display_name(patient),
        "tab": tab,
        "data": data,
        "html": html,
    }
