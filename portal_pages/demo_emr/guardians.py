"""The guardians tab: a table of guardians, an add/edit modal, removal with confirmation.

The table is read in one script (text cells, ``is_primary`` as yes/no). Edits
go through the modal form, writing only the fields that differ; after each
save or removal the re-rendered table is read back to verify it.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.confirm import ConfirmModal
from portal_pages.demo_emr.forms import RecordForm, verify_saved
from portal_pages.diff import GUARDIAN_FIELDS, GuardianRow, Values
from syncapp.errors import PageChanged, PortalRejected

KINDS = {"relationship": "dropdown", "is_primary": "checkbox"}


class GuardiansTab:
    _add = (By.ID, "guardian-add")
    _edit = (By.CSS_SELECTOR, "button.guardian-edit")
    _remove = (By.CSS_SELECTOR, "button.guardian-remove")
    _modal_open = (By.CSS_SELECTOR, "#guardian-modal.open")
    _form = (By.CSS_SELECTOR, "#guardian-modal.open form#guardian-form")
    _cancel = (By.CSS_SELECTOR, "#guardian-modal.open button.cancel")
    _rows_js = """
    var t = document.getElementById('guardians-list');
    if (!t) { return null; }
    return Array.from(t.querySelectorAll('tbody tr.guardian-row')).map(function (r) {
      var v = {};
      r.querySelectorAll('td[data-col]').forEach(function (td) {
        v[td.getAttribute('data-col')] = td.textContent.trim();
      });
      return {id: r.getAttribute('data-guardian-id'), values: v};
    });
    """

    def __init__(self, chart: DemoPage, name: str) -> None:
        self.chart, self.b = chart, chart.b
        self.form = RecordForm(
            chart, lambda: self.b.find(self._form, what="guardian form"), KINDS, "guardian"
        )

    @staticmethod
    def _row(row_id: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, f'tr.guardian-row[data-guardian-id="{row_id}"]')

    def rows(self) -> list[GuardianRow]:
        raw = self.b.js(self._rows_js)
        if raw is None:
            raise PageChanged("guardians table missing", page=self.b.page)
        out = []
        for r in raw:
            values = r["values"]
            missing = [f for f in GUARDIAN_FIELDS if f not in values]
            if missing:
                raise PageChanged("guardians table lacks columns", page=self.b.page, fields=missing)
            vals: Values = {f: values[f] for f in GUARDIAN_FIELDS if f != "is_primary"}
            vals["is_primary"] = values["is_primary"].lower() == "yes"
            out.append(GuardianRow(str(r["id"]), vals))
        return out

    def add(self, values: Values) -> None:
        self.b.guard()
        self.b.click(lambda: self.b.find(self._add, what="add guardian"), "add guardian")
        self._save_modal(values)
        key = (str(values["first_name"]).casefold(), str(values["last_name"]).casefold())
        row = next((r for r in self.rows() if r.match_key == key), None)
        if row is None:
            raise PortalRejected("guardians: the added guardian is not listed", page=self.b.page)
        verify_saved(row.values, values, "guardians", self.b.page)

    def update(self, row_id: str, changes: Values) -> None:
        self.b.guard()
        self.b.click(
            lambda: self.b.find(self._edit, self.b.find(self._row(row_id), what="guardian row")),
            "edit guardian",
        )
        if not self._save_modal(changes):
            return
        row = next((r for r in self.rows() if r.row_id == row_id), None)
        if row is None:
            raise PortalRejected("guardians: the edited guardian is not listed", page=self.b.page)
        verify_saved(row.values, changes, "guardians", self.b.page)

    def remove(self, row_id: str) -> None:
        self.b.guard()
        mark = self.chart.mark()
        self.b.click(
            lambda: self.b.find(self._remove, self.b.find(self._row(row_id), what="guardian row")),
            "remove guardian",
        )
        ConfirmModal(self.b).accept()
        self.chart.wait_outcome(mark, what="guardian removal")
        if any(r.row_id == row_id for r in self.rows()):
            raise PortalRejected(
                "guardians: the removed guardian is still listed", page=self.b.page
            )

    def _save_modal(self, values: Values) -> list[str]:
        """Save the open modal; when nothing differs, cancel it instead."""
        self.b.wait_visible(self._modal_open, "the guardian dialog")
        written = self.form.save(values)
        if not written:
            self.b.click(lambda: self.b.find(self._cancel, what="cancel"), "cancel")
            self.b.wait_gone(self._modal_open, "the guardian dialog to close")
        return written
