"""The Demo EMR's read-only walk for the selector-drift check (``portal_pages.drift``).

Login, search, a chart (the dedicated test patient ``CHECK_EMR_ID``, else the
first chart a blank search lists) and each of its tabs. At each screen the
page object's own locators must be present, except those that appear only in
some states (an error message, a modal, rows that depend on the chart's data);
each tab is also read, which exercises its form's field selectors.
Only navigation, a search and reads: the walk never saves anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.demo_emr.chart import ChartPage
from portal_pages.demo_emr.demographics import DemographicsTab
from portal_pages.demo_emr.guardians import GuardiansTab
from portal_pages.demo_emr.insurance import InsuranceTab
from portal_pages.demo_emr.login import LoginPage
from portal_pages.demo_emr.notes import NotesTab
from portal_pages.demo_emr.search import SearchPage
from portal_pages.drift import Screen, page_locators
from syncapp.errors import ChartNotFound

# Locators shown only in some states: never required by the walk.
_STATEFUL = {"_toast", "_field_errors", "_error", "_retry", "_modal_open", "_form", "_cancel"}
_DATA = {  # present only when the chart has such rows
    GuardiansTab: {"_rows", "_edit", "_remove"},
    InsuranceTab: {"_remove"},
    NotesTab: {"_note"},
    SearchPage: {"_result_rows"},
}
_FIRST_MRN_JS = """
var t = document.querySelector(arguments[0]);
if (!t || t.getAttribute('data-state') === 'loading') { return null; }
if (t.getAttribute('data-state') !== 'loaded') { return {state: t.getAttribute('data-state')}; }
var r = t.querySelector(arguments[1]);
return {state: 'loaded', mrn: r ? r.getAttribute('data-mrn') : null};
"""


def _screen(cls: type, probe=None, name: str | None = None) -> Screen:
    skip = _STATEFUL | _DATA.get(cls, set())
    return Screen(name or cls.__name__, page_locators(cls, skip=skip), probe)


def _first_mrn(search: SearchPage) -> str | None:
    """The first chart a blank search lists (the portal lists every chart)."""
    from portal_pages.core.page import css

    b = search.browser
    b.click(lambda: b.find(SearchPage._submit, what="search button"), "search")

    def listed(d: WebDriver) -> dict | None:
        return search.script(_FIRST_MRN_JS, css(SearchPage._results), css(SearchPage._result_rows))

    return b.wait_for(listed, "the list of charts").get("mrn")


def walk(portal: Any, mrn: str | None) -> Iterator[Screen]:
    """``DemoEmrPortal.drift_screens``: ``portal`` is that adapter (its browser and chart)."""
    b = portal.browser
    LoginPage(b).open()
    yield _screen(LoginPage)
    portal.login()
    search = SearchPage(b).open()
    yield _screen(SearchPage)
    mrn = mrn or _first_mrn(search)
    if not mrn:
        return  # an empty portal has no chart to walk
    if not portal.open_chart(mrn):
        raise ChartNotFound("the drift check's chart does not exist", page="chart")
    yield _screen(ChartPage)
    for tab, read in (
        (DemographicsTab, portal.read_demographics),
        (GuardiansTab, portal.read_guardians),
        (InsuranceTab, portal.read_coverages),
        (NotesTab, portal.read_note_references),
    ):
        portal.chart.open_tab(tab)
        yield _screen(tab, probe=read)
