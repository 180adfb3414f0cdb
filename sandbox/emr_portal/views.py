"""The HTML pages. They are shells: patient data arrives later through ``fetch``,
as on the vendor portals this sandbox imitates, so page objects must wait for it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request

from . import records
from .auth import page_login_required
from .db import get_db
from .render import CHOICES, TABS, form_values
from .validation import DEMOGRAPHICS

bp = Blueprint("views", __name__)


@bp.get("/")
def index() -> Any:
    return redirect("/patients")


@bp.get("/patients")
@page_login_required
def search_page() -> Any:
    return render_template("search.html")


@bp.get("/patients/new")
@page_login_required
def new_patient_page() -> Any:
    return render_template(
        "new_patient.html",
        patient=None,
        data=form_values(DEMOGRAPHICS, None),
        choices=CHOICES,
    )


@bp.get("/patients/<mrn>")
@page_login_required
def chart_page(mrn: str) -> Any:
    pid = records.parse_mrn(mrn)
    patient = records.get_patient(get_db(), pid) if pid is not None else None
    if patient is None:
        return render_template("not_found.html"), 404
    tab = request.args.get("tab", "demographics")
    return render_template(
        "chart.html",
        patient=patient,
        name=records.display_name(patient),
        tabs=TABS,
        active_tab=tab if tab in TABS else "demographics",
    )
