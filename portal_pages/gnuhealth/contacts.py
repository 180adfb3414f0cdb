"""The Contact Mechanisms editable list of the party form: the phone and e-mail rows.

The phone is the first row of type Phone, the e-mail the first of type E-Mail.
A new row (New) is drawn a moment after the click, selected and in edit mode
(type Phone); an existing row is edited by clicking its value cell twice (the
first click selects the row, the second edits it): ``core.grid`` waits each
step out in the page, SAO's on_change calls included.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.grid import EditableGrid
from portal_pages.diff import Values
from portal_pages.gnuhealth import sao

KINDS = {"phone": ("Phone", '"phone"'), "email": ("E-Mail", '"email"')}


class ContactMechanisms(EditableGrid):
    label = "Contact Mechanisms"
    _root = sao.one2many(label)
    _rows = (By.CSS_SELECTOR, sao.ROWS)
    _new = (By.CSS_SELECTOR, ".form-one2many-toolbar button[title='New']")
    _delete = (By.CSS_SELECTOR, ".form-one2many-toolbar button[title='Delete']")
    _cell = (By.CSS_SELECTOR, "td[data-title^='Value'] .column-char")
    _edit_marker = (By.CSS_SELECTOR, "input[name='value']")
    quiet_ms = sao.QUIET_MS

    @staticmethod
    def values(rows: list[dict]) -> Values:
        """Phone and e-mail from the rows as read (``PartyForm``'s chart)."""
        return {
            key: next((r.get("Value", "") for r in rows if r.get("Type") == label), "")
            for key, (label, _) in KINDS.items()
        }

    def write(self, rows: list[dict], key: str, value: str) -> None:
        """Bring the first ``key`` row to ``value``: edit it, add one, or delete it (empty).
        ``rows`` (as read) is kept in step with the grid, for the next write."""
        label, option = KINDS[key]
        index = next((i for i, r in enumerate(rows) if r.get("Type") == label), None)
        if index is None and value:
            self.add([("type", "text", option), ("value", "text", value)])
            rows.append({"Type": label, "Value": value})
        elif index is not None and value:
            self.edit(index, [("value", "text", value)])
        elif index is not None:
            self.delete(index)
            del rows[index]
