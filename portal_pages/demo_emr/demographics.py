"""The demographics tab, and the demographics form it shares with the new-patient page."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.forms import RecordForm, verify_saved
from portal_pages.diff import DEMOGRAPHIC_FIELDS, Values

_FORM = (By.CSS_SELECTOR, "form#demographics-form")
KINDS = {"date_of_birth": "date", "sex": "dropdown"}


def demographics_form(page: DemoPage) -> RecordForm:
    return RecordForm(
        page, lambda: page.b.find(_FORM, what="demographics form"), KINDS, "demographics"
    )


class DemographicsTab:
    """``read()`` the chart's demographics; ``apply(changes)`` writes and verifies them."""

    def __init__(self, chart: DemoPage, name: str) -> None:
        self.chart, self.b = chart, chart.b
        self.form = demographics_form(chart)

    def read(self) -> Values:
        return self.form.read(DEMOGRAPHIC_FIELDS)

    def apply(self, changes: Values) -> list[str]:
        written = self.form.save(changes)
        if written:
            verify_saved(self.form.read(tuple(changes)), changes, "demographics", self.b.page)
        return written
