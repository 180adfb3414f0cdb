"""The notes tab: append-only. Notes are added through a modal and never edited.

The Salesforce note id goes into the note's "External reference", which is
how a resync knows a note is already there.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.page import css
from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.forms import RecordForm
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.diff import Values
from syncapp.errors import PageChanged, PortalRejected

KINDS = {"date": "date"}
_REFERENCE = "data-reference"

# arguments: tab root, list, note item selector, reference attribute.
_REFS_JS = """
var list = arguments[0].querySelector(arguments[1]), attr = arguments[3];
if (!list) { return null; }
return Array.from(list.querySelectorAll(arguments[2])).map(function (li) {
  return li.getAttribute(attr) || '';
});
"""


class NotesTab(ChartTab):
    tab = "notes"
    _root = (By.ID, "tab-notes")
    _list = (By.ID, "notes-list")
    _note = (By.CSS_SELECTOR, "li.note")
    _add = (By.ID, "note-add")
    _form = (By.CSS_SELECTOR, "#note-modal.open form#note-form")

    def __init__(self, chart: DemoPage) -> None:
        super().__init__(chart)
        self.form = RecordForm(chart, lambda: self.find(self._form, "note form"), KINDS, "note")

    def references(self) -> set[str]:
        refs = self.script(_REFS_JS, css(self._list), css(self._note), _REFERENCE)
        if refs is None:
            raise PageChanged("notes list missing", page=self.browser.page)
        return {r for r in refs if r}

    def add(self, values: Values) -> None:
        self.form.save(values, form=css(self._form), opener=f"{css(self._root)} {css(self._add)}")
        if values.get("reference") and values["reference"] not in self.references():
            raise PortalRejected("notes: the added note is not listed", page=self.browser.page)
