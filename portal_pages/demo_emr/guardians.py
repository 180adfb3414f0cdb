"""The guardians tab: a table of guardians, an add/edit modal, removal with confirmation.

The table is read in one script (text cells, ``is_primary`` as yes/no). Edits
go through the modal form, writing only the fields that differ; after each
save or removal the re-rendered table is read back to verify it.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.page import css
from portal_pages.core.values import verify_saved
from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.confirm import ConfirmModal
from portal_pages.demo_emr.forms import RecordForm
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.diff import GUARDIAN_FIELDS, GuardianRow, Values
from syncapp.errors import PageChanged, PortalRejected

KINDS = {"relationship": "dropdown", "is_primary": "checkbox"}
_ROW_ID = "data-guardian-id"

# arguments: tab root, table, row selector, row-id attribute. Cells carry data-col.
_ROWS_JS = """
var t = arguments[0].querySelector(arguments[1]), attr = arguments[3];
if (!t) { return null; }
return Array.from(t.querySelectorAll(arguments[2])).map(function (r) {
  var v = {};
  r.querySelectorAll('td[data-col]').forEach(function (td) {
    v[td.getAttribute('data-col')] = td.textContent.trim();
  });
  return {id: r.getAttribute(attr), values: v};
});
"""


class GuardiansTab(ChartTab):
    tab = "guardians"
    _root = (By.ID, "tab-guardians")
    _table = (By.ID, "guardians-list")
    _rows = (By.CSS_SELECTOR, "tbody tr.guardian-row")
    _add = (By.ID, "guardian-add")
    _edit = (By.CSS_SELECTOR, "button.guardian-edit")
    _remove = (By.CSS_SELECTOR, "button.guardian-remove")
    _modal_open = (By.CSS_SELECTOR, "#guardian-modal.open")
    _form = (By.CSS_SELECTOR, "#guardian-modal.open form#guardian-form")
    _cancel = (By.CSS_SELECTOR, "#guardian-modal.open button.cancel")

    def __init__(self, chart: DemoPage) -> None:
        super().__init__(chart)
        self.form = RecordForm(
            chart, lambda: self.find(self._form, "guardian form"), KINDS, "guardian"
        )

    @staticmethod
    def _row(row_id: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, f'tr.guardian-row[{_ROW_ID}="{row_id}"]')

    def rows(self) -> list[GuardianRow]:
        raw = self.script(_ROWS_JS, css(self._table), css(self._rows), _ROW_ID)
        if raw is None:
            raise PageChanged("guardians table missing", page=self.browser.page)
        out = []
        for r in raw:
            values = r["values"]
            missing = [f for f in GUARDIAN_FIELDS if f not in values]
            if missing:
                raise PageChanged(
                    "guardians table lacks columns", page=self.browser.page, fields=missing
                )
            vals: Values = {f: values[f] for f in GUARDIAN_FIELDS if f != "is_primary"}
            vals["is_primary"] = values["is_primary"].lower() == "yes"
            out.append(GuardianRow(str(r["id"]), vals))
        return out

    def add(self, values: Values) -> None:
        self._save_modal(values, css(self._add))
        key = (str(values["first_name"]).casefold(), str(values["last_name"]).casefold())
        row = next((r for r in self.rows() if r.match_key == key), None)
        if row is None:
            raise PortalRejected(
                "guardians: the added guardian is not listed", page=self.browser.page
            )
        verify_saved(row.values, values, "guardians", self.browser.page)

    def _in_row(self, row_id: str, locator: tuple[str, str], what: str):
        return self.browser.find(locator, self.find(self._row(row_id), "guardian row"), what)

    def update(self, row_id: str, changes: Values) -> None:
        if not self._save_modal(changes, f"{css(self._row(row_id))} {css(self._edit)}"):
            return
        row = next((r for r in self.rows() if r.row_id == row_id), None)
        if row is None:
            raise PortalRejected(
                "guardians: the edited guardian is not listed", page=self.browser.page
            )
        verify_saved(row.values, changes, "guardians", self.browser.page)

    def remove(self, row_id: str) -> None:
        self.browser.guard()
        mark = self.chart.mark()
        self.browser.click(lambda: self._in_row(row_id, self._remove, "remove"), "remove guardian")
        ConfirmModal(self.browser).accept()
        self.chart.wait_outcome(mark, what="guardian removal")
        if any(r.row_id == row_id for r in self.rows()):
            raise PortalRejected(
                "guardians: the removed guardian is still listed", page=self.browser.page
            )

    def _save_modal(self, values: Values, opener: str) -> list[str]:
        """Open the dialog with ``opener`` and save it, in one script; when nothing
        differs, cancel it instead."""
        written = self.form.save(values, form=css(self._form), opener=f"{css(self._root)} {opener}")
        if not written:
            self.browser.click(lambda: self.find(self._cancel, "cancel"), "cancel")
            self.browser.wait_gone(self._modal_open, "the guardian dialog to close")
        return written
