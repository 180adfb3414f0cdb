"""The demographics tab, and the demographics form it shares with the new-patient page."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.values import verify_saved
from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.forms import RecordForm
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.diff import DEMOGRAPHIC_FIELDS, Values

FORM = (By.CSS_SELECTOR, "form#demographics-form")
KINDS = {"date_of_birth": "date", "sex": "dropdown"}


def demographics_form(page: DemoPage, region: ChartTab | None = None) -> RecordForm:
    """The form inside ``region`` (the chart tab), or on the page (new patient)."""
    browser = page.browser

    def root():
        return region.find(FORM, "demographics form") if region else browser.find(FORM)

    return RecordForm(page, root, KINDS, "demographics")


class DemographicsTab(ChartTab):
    """``read()`` the chart's demographics; ``apply(changes)`` writes and verifies them."""

    tab = "demographics"
    _root = (By.ID, "tab-demographics")

    def __init__(self, chart: DemoPage) -> None:
        super().__init__(chart)
        self.form = demographics_form(chart, self)

    def read(self) -> Values:
        return self.form.read(DEMOGRAPHIC_FIELDS)

    def apply(self, changes: Values) -> list[str]:
        written = self.form.save(changes)
        if written:
            verify_saved(self.form.read(tuple(changes)), changes, "demographics", self.browser.page)
        return written
