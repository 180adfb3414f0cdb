"""``core.grid.EditableGrid`` in real Chromium, on a small grid that behaves like Tryton's:
New draws its row a moment later, in edit mode; the first click selects a row
(drawn a moment later), a second click on the selected row edits it (a second
click before the selection is drawn is a double click, which opens a form);
Delete removes the selected row. Rows are read by column title.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser
from portal_pages.core.grid import EditableGrid
from tests.portal_pages.test_round_trips import counted

pytestmark = pytest.mark.browser

GRID_JS = r"""
document.body.innerHTML = '<div id="contacts"><button class="new">New</button>' +
  '<button class="delete">Delete</button><table><thead><tr><th>Type</th><th>Value</th></tr>' +
  '</thead><tbody></tbody></table></div>';
window.opened = 0;
var body = document.querySelector('#contacts tbody');
function cells(tr, type, value) {
  tr.innerHTML = '<td data-title="Type">' + type + '</td><td data-title="Value"><span>' + value + '</span></td>';
}
function editing(tr) {
  var type = tr.children[0].textContent, value = tr.children[1].textContent;
  tr.innerHTML = '<td data-title="Type"><select name="type"><option value="phone">Phone</option>' +
    '<option value="email">E-Mail</option></select></td><td data-title="Value"><input name="value"></td>';
  tr.querySelector('select').value = type === 'E-Mail' ? 'email' : 'phone';
  tr.querySelector('input').value = value;
  tr.classList.add('editing');
}
function row(type, value) { var tr = document.createElement('tr'); cells(tr, type, value); body.appendChild(tr); return tr; }
row('Phone', '555-0100'); row('E-Mail', 'a@example.org');
body.addEventListener('click', function (e) {
  var tr = e.target.closest('tr');
  if (!tr || tr.classList.contains('editing')) { return; }
  // a second click before the first is drawn is a double click: it opens a form
  if (e.detail > 1 || tr.dataset.pending) { window.opened += 1; return; }
  if (tr.classList.contains('selected')) { editing(tr); return; }
  tr.dataset.pending = '1';
  setTimeout(function () {  // the selection is drawn a moment after the click
    body.querySelectorAll('tr').forEach(function (r) { r.classList.remove('selected'); });
    delete tr.dataset.pending;
    tr.classList.add('selected');
  }, 150);
});
document.querySelector('#contacts .new').addEventListener('click', function () {
  setTimeout(function () { var tr = row('Phone', ''); tr.classList.add('selected'); editing(tr); }, 300);
});
document.querySelector('#contacts .delete').addEventListener('click', function () {
  setTimeout(function () { var s = body.querySelector('tr.selected'); if (s) { s.remove(); } }, 200);
});
"""


class Contacts(EditableGrid):
    _root = (By.ID, "contacts")
    _rows = (By.CSS_SELECTOR, "tbody > tr")
    _new = (By.CSS_SELECTOR, "button.new")
    _delete = (By.CSS_SELECTOR, "button.delete")
    _cell = (By.CSS_SELECTOR, "td[data-title='Value']")


def _committed(browser: Browser) -> list[dict]:
    """Leave edit mode the way a grid does on save: cells show the values again."""
    browser.js(
        "document.querySelectorAll('#contacts tr.editing').forEach(function (tr) {"
        " var t = tr.querySelector('select').selectedOptions[0].textContent,"
        " v = tr.querySelector('input').value; tr.className = '';"
        " tr.innerHTML = '<td data-title=\"Type\">' + t + '</td><td data-title=\"Value\">' + v + '</td>'; });"
    )
    return Contacts(browser).rows()


@pytest.fixture
def grid(browser: Browser) -> Contacts:
    browser.driver.get("about:blank")
    browser.js(GRID_JS)
    return Contacts(browser)


def test_rows_are_read_by_column_title(grid):
    assert grid.rows() == [
        {"Type": "Phone", "Value": "555-0100"},
        {"Type": "E-Mail", "Value": "a@example.org"},
    ]


def test_a_row_is_edited_by_two_separate_clicks_never_a_double_click(grid, browser):
    with counted(browser.driver) as sent:
        assert grid.edit(1, [("value", "text", "b@example.org")]) == ["value"]
    assert sent == ["findElement"] + ["w3cExecuteScriptAsync"] * 2  # root, both clicks, fill
    assert browser.js("return window.opened;") == 0
    assert _committed(browser)[1] == {"Type": "E-Mail", "Value": "b@example.org"}


def test_a_new_row_is_waited_for_then_filled(grid, browser):
    fields = [("type", "text", "email"), ("value", "text", "c@example.org")]
    with counted(browser.driver) as sent:
        assert grid.add(fields) == ["type", "value"]
    assert sent == ["findElement"] + ["w3cExecuteScriptAsync"] * 2  # root, New + wait, fill
    assert _committed(browser)[2] == {"Type": "E-Mail", "Value": "c@example.org"}


def test_delete_waits_for_the_row_to_go(grid):
    grid.delete(0)
    assert grid.rows() == [{"Type": "E-Mail", "Value": "a@example.org"}]
