"""The Demo EMR adapter: the ``Portal`` protocol implemented with this package's page objects.

It keeps which chart is open, so that sections are read and written without
reloading the page, and knows how to get back on its feet after a retryable
failure: load the chart again, logging in on the way if the portal asks.
"""

from __future__ import annotations

from portal_pages.core.browser import Browser
from portal_pages.core.retry import run_step
from portal_pages.demo_emr.chart import ChartPage, NotFoundPage
from portal_pages.demo_emr.guard import PortalGuard
from portal_pages.demo_emr.login import LoginPage
from portal_pages.demo_emr.new_patient import NewPatientPage
from portal_pages.demo_emr.search import SearchPage
from portal_pages.diff import GuardianRow, Values
from syncapp.errors import PortalUnavailable
from syncapp.settings import Settings


class DemoEmrPortal:
    name = "demo_emr"

    def __init__(self, browser: Browser, settings: Settings) -> None:
        self.b = browser
        self._username = settings.emr_username
        self._password = settings.emr_password.get_secret_value()
        self.b.guards = [PortalGuard(browser, self._password)]
        self.chart: ChartPage | None = None

    # --- session ---------------------------------------------------------------------
    def login(self) -> None:
        run_step("login", self._login, recover=lambda: None)

    def _login(self) -> None:
        self.b.page = "login"
        self.b.goto("/login")
        LoginPage(self.b).log_in(self._username, self._password)
        self.b.guard()

    def _visit(self, path: str) -> str | None:
        """Load ``path``; log in on the way if the portal asks. Returns the page's name."""
        self.chart = None
        self.b.goto(path)
        page = LoginPage(self.b).current_page()
        if page == "login":
            # The portal remembers where we were going (``next=``) and returns us there.
            page = LoginPage(self.b).log_in(self._username, self._password)
        if page == "error":
            raise PortalUnavailable(
                "the portal showed its error page", page=self.b.page, step="visit"
            )
        return page

    def recover(self, mrn: str | None) -> None:
        if mrn:
            self.open_chart(mrn)
        else:
            self._visit(SearchPage.PATH)
            SearchPage(self.b).wait_loaded()

    # --- finding and creating ---------------------------------------------------------
    def open_chart(self, mrn: str) -> bool:
        self.b.page = "chart"
        page = self._visit(ChartPage.path(mrn))
        if page == NotFoundPage.PAGE:
            return False
        chart = ChartPage(self.b)
        chart.wait_loaded()
        self.chart = chart
        return True

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        self.b.page = "search"
        self._visit(SearchPage.PATH)
        return SearchPage(self.b).search(last_name, first_name, date_of_birth)

    def create_patient(self, demographics: Values) -> str:
        self.b.page = "new-patient"
        self._visit(NewPatientPage.PATH)
        self.chart = NewPatientPage(self.b).create(demographics)
        return self.chart.mrn()

    # --- sections ------------------------------------------------------------------
    def _tab(self, name: str):
        if self.chart is None:
            raise PortalUnavailable("no chart is open", page=self.b.page)
        return self.chart.open_tab(name)

    def read_demographics(self) -> Values:
        return self._tab("demographics").read()

    def write_demographics(self, changes: Values) -> None:
        self._tab("demographics").apply(changes)

    def read_guardians(self) -> list[GuardianRow]:
        return self._tab("guardians").rows()

    def add_guardian(self, values: Values) -> None:
        self._tab("guardians").add(values)

    def update_guardian(self, row_id: str, changes: Values) -> None:
        self._tab("guardians").update(row_id, changes)

    def remove_guardian(self, row_id: str) -> None:
        self._tab("guardians").remove(row_id)

    def read_coverages(self) -> dict[str, Values | None]:
        return self._tab("insurance").coverages()

    def write_coverage(self, rank: str, values: Values) -> None:
        self._tab("insurance").write(rank, values)

    def remove_coverage(self, rank: str) -> None:
        self._tab("insurance").remove(rank)

    def read_note_references(self) -> set[str]:
        return self._tab("notes").references()

    def add_note(self, values: Values) -> None:
        self._tab("notes").add(values)
