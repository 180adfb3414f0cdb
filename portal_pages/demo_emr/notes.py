"""The notes tab: append-only. Notes are added through a modal and never edited.

The Salesforce note id goes into the note's "External reference", which is
how a resync knows a note is already there.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.forms import RecordForm
from portal_pages.diff import Values
from syncapp.errors import PageChanged, PortalRejected

KINDS = {"date": "date"}


class NotesTab:
    _add = (By.ID, "note-add")
    _modal_open = (By.CSS_SELECTOR, "#note-modal.open")
    _form = (By.CSS_SELECTOR, "#note-modal.open form#note-form")
    _refs_js = """
    var list = document.getElementById('notes-list');
    if (!list) { return null; }
    return Array.from(list.querySelectorAll('li.note')).map(function (li) {
      return li.getAttribute('data-reference') || '';
    });
    """

    def __init__(self, chart: DemoPage, name: str) -> None:
        self.chart, self.b = chart, chart.b
        self.form = RecordForm(
            chart, lambda: self.b.find(self._form, what="note form"), KINDS, "note"
        )

    def references(self) -> set[str]:
        refs = self.b.js(self._refs_js)
        if refs is None:
            raise PageChanged("notes list missing", page=self.b.page)
        return {r for r in refs if r}

    def add(self, values: Values) -> None:
        self.b.guard()
        self.b.click(lambda: self.b.find(self._add, what="add note"), "add note")
        self.b.wait_visible(self._modal_open, "the note dialog")
        self.form.save(values)
        if values.get("reference") and values["reference"] not in self.references():
            raise PortalRejected("notes: the added note is not listed", page=self.b.page)
