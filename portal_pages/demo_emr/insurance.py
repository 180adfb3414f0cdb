"""The insurance tab: one card per rank (primary, secondary), each a coverage form.

A card whose coverage exists has a Remove button; an absent coverage is an
empty form, and saving it creates the coverage.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.fields import READ_FUNCTION_JS
from portal_pages.core.page import css
from portal_pages.core.values import verify_saved
from portal_pages.demo_emr.confirm import ConfirmModal
from portal_pages.demo_emr.forms import RecordForm
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.diff import COVERAGE_FIELDS, RANKS, Values
from syncapp.errors import PageChanged, PortalRejected

KINDS = {"payer": "dropdown", "subscriber_relationship": "dropdown", "effective_date": "date"}

# Both cards in one round trip. arguments: tab root, card template ('%s' = rank), form,
# remove button, ranks. A card: {exists, values} (values null when its form is missing).
_COVERAGES_JS = (
    READ_FUNCTION_JS
    + """
var root = arguments[0], template = arguments[1], formSel = arguments[2], out = {};
var removeSel = arguments[3];
arguments[4].forEach(function (rank) {
  var card = root.querySelector(template.split('%s').join(CSS.escape(rank)));
  if (!card) { out[rank] = null; return; }
  var form = card.querySelector(formSel);
  out[rank] = {exists: !!card.querySelector(removeSel), values: form ? ppRead(form) : null};
});
return out;
"""
)


class InsuranceTab(ChartTab):
    tab = "insurance"
    _root = (By.ID, "tab-insurance")
    _form = (By.CSS_SELECTOR, "form.coverage-form")
    _remove = (By.CSS_SELECTOR, "button.coverage-remove")

    _CARD_TEMPLATE = 'section.coverage[data-rank="%s"]'

    @classmethod
    def _card(cls, rank: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, cls._CARD_TEMPLATE % rank)

    def _card_el(self, rank: str) -> WebElement:
        return self.find(self._card(rank), f"{rank} coverage card")

    def _coverage_form(self, rank: str) -> RecordForm:
        browser = self.browser
        return RecordForm(
            self.chart,
            lambda: browser.find(self._form, self._card_el(rank), f"{rank} coverage form"),
            KINDS,
            f"insurance {rank}",
        )

    def exists(self, rank: str) -> bool:
        return self.browser.retry_stale(
            lambda: bool(self._card_el(rank).find_elements(*self._remove))
        )

    def coverages(self) -> dict[str, Values | None]:
        """Both coverages (``None`` where absent), read in one script."""
        cards = self.script(
            _COVERAGES_JS, self._CARD_TEMPLATE, css(self._form), css(self._remove), list(RANKS)
        )
        return self._from_cards(cards)

    def _from_cards(self, cards: dict | None) -> dict[str, Values | None]:
        out: dict[str, Values | None] = {}
        for rank in RANKS:
            card = (cards or {}).get(rank)
            if card is None or (card["exists"] and card["values"] is None):
                raise PageChanged(
                    f"expected element missing: {rank} coverage", page=self.browser.page
                )
            out[rank] = (
                self._coverage_form(rank).values_from(card["values"], COVERAGE_FIELDS)
                if card["exists"]
                else None
            )
        return out

    def write(self, rank: str, values: Values) -> None:
        """Fill and save the card's form (one script finds, fills and saves it), then read
        both cards back (one script) to verify."""
        card_form = f"{css(self._root)} {self._CARD_TEMPLATE % rank} {css(self._form)}"
        if self._coverage_form(rank).save(values, form=card_form):
            saved = self.coverages()[rank]
            if saved is None:
                raise PortalRejected(
                    f"insurance {rank}: not on file after saving", page=self.browser.page
                )
            verify_saved(saved, values, f"insurance {rank}", self.browser.page)

    def remove(self, rank: str) -> None:
        browser = self.browser
        browser.guard()
        mark = self.chart.mark()
        browser.click(
            lambda: browser.find(self._remove, self._card_el(rank), f"{rank} remove"),
            "remove coverage",
        )
        ConfirmModal(browser).accept()
        self.chart.wait_outcome(mark, what="coverage removal")
        if self.exists(rank):
            raise PortalRejected(
                f"insurance {rank}: still on file after removal", page=browser.page
            )
