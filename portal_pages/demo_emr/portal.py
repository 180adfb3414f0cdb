"""The Demo EMR adapter: the ``Portal`` protocol implemented with this package's page objects.

It keeps which chart is open, so that sections are read and written without
reloading the page, and knows how to get back on its feet after a retryable
failure: load the chart again, logging in on the way if the portal asks
(every page's ``open()`` does, through the session guard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from portal_pages.core.browser import Browser
from portal_pages.core.retry import run_step
from portal_pages.demo_emr.chart import ChartPage
from portal_pages.demo_emr.demographics import DemographicsTab
from portal_pages.demo_emr.guard import DemoGuard
from portal_pages.demo_emr.guardians import GuardiansTab
from portal_pages.demo_emr.insurance import InsuranceTab
from portal_pages.demo_emr.login import LoginPage
from portal_pages.demo_emr.new_patient import NewPatientPage
from portal_pages.demo_emr.notes import NotesTab
from portal_pages.demo_emr.rules import DemoEmrSettings, bundle_problems
from portal_pages.demo_emr.search import SearchPage
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.diff import GuardianRow, Values
from syncapp.bundle import PatientBundle
from syncapp.errors import ChartNotFound, PortalUnavailable
from syncapp.settings import Settings

T = TypeVar("T", bound=ChartTab)


class DemoEmrPortal:
    name = "demo_emr"
    not_stored: frozenset[str] = frozenset()  # it holds every section and field of the bundle
    settings_class = DemoEmrSettings
    saves_once = False  # each form has its own Save
    reports_assigned_ids = True  # the new chart's address names its MRN (NewPatientPage)

    @classmethod
    def bundle_problems(cls, bundle: PatientBundle) -> list[tuple[str, str]]:
        return bundle_problems(bundle, DemoEmrSettings())

    def __init__(self, browser: Browser, settings: Settings) -> None:
        self.browser = browser
        self.guard = DemoGuard(
            browser, settings.emr_username, settings.emr_password.get_secret_value()
        )
        browser.session_guard = self.guard
        self.chart: ChartPage | None = None

    # --- session ---------------------------------------------------------------------
    def login(self) -> None:
        def log_in() -> None:
            self.chart = None
            LoginPage(self.browser).open()
            self.guard.sign_in()
            self.browser.guard()

        run_step("login", log_in, recover=lambda: None)

    def recover(self, mrn: str | None) -> None:
        if mrn:
            self.open_chart(mrn)
        else:
            self.chart = None
            SearchPage(self.browser).open()

    # --- finding and creating ---------------------------------------------------------
    def open_chart(self, mrn: str) -> bool:
        self.chart = None
        try:
            self.chart = ChartPage(self.browser, mrn).open()
        except ChartNotFound:
            return False
        return True

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        self.chart = None
        hits = SearchPage(self.browser).open().search(last_name, first_name, date_of_birth)
        if len(hits) == 1:  # the protocol: one match is left open (the result row links it)
            self.open_chart(hits[0])
        return hits

    def create_patient(
        self, demographics: Values, *, assigned: Callable[[str], None] | None = None
    ) -> str:
        self.chart = None
        self.chart = NewPatientPage(self.browser).open().create(demographics, assigned)
        return self.chart.mrn()

    # --- sections ------------------------------------------------------------------
    def _tab(self, tab_cls: type[T]) -> T:
        if self.chart is None:
            raise PortalUnavailable("no chart is open", page=self.browser.page)
        return self.chart.open_tab(tab_cls)

    def read_demographics(self) -> Values:
        return self._tab(DemographicsTab).read()

    def write_demographics(self, changes: Values) -> None:
        self._tab(DemographicsTab).apply(changes)

    def read_guardians(self) -> list[GuardianRow]:
        return self._tab(GuardiansTab).rows()

    def add_guardian(self, values: Values) -> None:
        self._tab(GuardiansTab).add(values)

    def update_guardian(self, row_id: str, changes: Values) -> None:
        self._tab(GuardiansTab).update(row_id, changes)

    def remove_guardian(self, row_id: str) -> None:
        self._tab(GuardiansTab).remove(row_id)

    def read_coverages(self) -> dict[str, Values | None]:
        return self._tab(InsuranceTab).coverages()

    def write_coverage(self, rank: str, values: Values) -> None:
        self._tab(InsuranceTab).write(rank, values)

    def remove_coverage(self, rank: str) -> None:
        self._tab(InsuranceTab).remove(rank)

    def read_note_references(self) -> set[str]:
        return self._tab(NotesTab).references()

    def add_note(self, values: Values) -> None:
        self._tab(NotesTab).add(values)

    # --- selector-drift check (read-only) ------------------------------------------
    def drift_screens(self, mrn: str | None):
        from portal_pages.demo_emr.drift import walk

        return walk(self, mrn)
