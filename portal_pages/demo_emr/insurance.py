"""The insurance tab: one card per rank (primary, secondary), each a coverage form.

A card whose coverage exists has a Remove button; an absent coverage is an
empty form, and saving it creates the coverage.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.confirm import ConfirmModal
from portal_pages.demo_emr.forms import RecordForm, verify_saved
from portal_pages.diff import COVERAGE_FIELDS, RANKS, Values
from syncapp.errors import PortalRejected

KINDS = {"payer": "dropdown", "subscriber_relationship": "dropdown", "effective_date": "date"}


class InsuranceTab:
    _form = (By.CSS_SELECTOR, "form.coverage-form")
    _remove = (By.CSS_SELECTOR, "button.coverage-remove")

    def __init__(self, chart: DemoPage, name: str) -> None:
        self.chart, self.b = chart, chart.b

    @staticmethod
    def _card(rank: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, f'section.coverage[data-rank="{rank}"]')

    def _card_el(self, rank: str):
        return self.b.find(self._card(rank), what=f"{rank} coverage card")

    def _coverage_form(self, rank: str) -> RecordForm:
        return RecordForm(
            self.chart,
            lambda: self.b.find(self._form, self._card_el(rank), f"{rank} coverage form"),
            KINDS,
            f"insurance {rank}",
        )

    def exists(self, rank: str) -> bool:
        return self.b.retry_stale(lambda: bool(self._card_el(rank).find_elements(*self._remove)))

    def coverages(self) -> dict[str, Values | None]:
        return {
            rank: self._coverage_form(rank).read(COVERAGE_FIELDS) if self.exists(rank) else None
            for rank in RANKS
        }

    def write(self, rank: str, values: Values) -> None:
        form = self._coverage_form(rank)
        if form.save(values):
            if not self.exists(rank):
                raise PortalRejected(
                    f"insurance {rank}: not on file after saving", page=self.b.page
                )
            verify_saved(form.read(tuple(values)), values, f"insurance {rank}", self.b.page)

    def remove(self, rank: str) -> None:
        self.b.guard()
        mark = self.chart.mark()
        self.b.click(
            lambda: self.b.find(self._remove, self._card_el(rank), f"{rank} remove"),
            "remove coverage",
        )
        ConfirmModal(self.b).accept()
        self.chart.wait_outcome(mark, what="coverage removal")
        if self.exists(rank):
            raise PortalRejected(f"insurance {rank}: still on file after removal", page=self.b.page)
