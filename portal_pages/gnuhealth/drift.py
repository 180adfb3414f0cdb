"""GNU Health's read-only walk for the selector-drift check (``portal_pages.drift``).

SAO's login dialog, the People list (a search for a name no chart has), then a
chart (the dedicated test patient ``CHECK_EMR_ID``, else the first person the
unfiltered list shows) with its contact and insurance lists. At each screen the
page object's own locators must be present, except those that appear only in
some states (a dialog, an alert, a completion list, rows that depend on the
chart's data); the chart's sections are also read, which exercises the
field and column names. Only navigation, searches and reads: nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from portal_pages.drift import Screen, page_locators
from portal_pages.gnuhealth.contacts import ContactMechanisms
from portal_pages.gnuhealth.insurance import Insurances
from portal_pages.gnuhealth.party import PartyForm
from portal_pages.gnuhealth.session import SaoGuard
from syncapp.errors import ChartNotFound

_STATEFUL = {"_alerts", "_discard", "_modal", "_entries", "_cell", "_edit_marker"}


def _screen(cls: type, name: str, *, only: set[str] | None = None, skip=(), probe=None) -> Screen:
    found = page_locators(cls, skip=_STATEFUL | set(skip))
    return Screen(name, {k: v for k, v in found.items() if only is None or k in only}, probe)


def walk(portal: Any, mrn: str | None) -> Iterator[Screen]:
    """``GnuHealthPortal.drift_screens``: ``portal`` is that adapter (its browser and form)."""
    b = portal.browser
    b.page = "login"
    b.goto(f"/#{portal.settings.database}", reload=True)
    if not portal.guard.started():
        yield _screen(SaoGuard, "LoginDialog", only={"_login", "_login_submit"})
        b.sign_in()
    yield _screen(SaoGuard, "Menu", only={"_menu"})
    portal.search("Zzdriftcheck", "Nobody", "1900-01-01")
    yield _screen(PartyForm, "PeopleList", only={"_root", "_list", "_close_tabs"})
    if mrn:
        if not portal.open_chart(mrn):
            raise ChartNotFound("the drift check's chart does not exist", page="chart")
    elif portal.form.search([]):  # the first person the People list shows (no PUID column)
        portal._opened(portal.form.open_row(0))
    else:
        return  # an empty EMR has no chart to walk
    yield _screen(PartyForm, "Chart", skip={"_list"}, probe=portal.read_demographics)
    yield _screen(ContactMechanisms, "ContactMechanisms")
    yield _screen(Insurances, "Insurances", probe=portal.read_coverages)
