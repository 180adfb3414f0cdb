"""Editable grids: lists whose rows are edited in place (Tryton's one2many lists, most EMRs' tables).

What they share, and what this region waits out: *New* appends a row a moment
after the click (wait for the row count to grow, never read the cells at
once); an existing row is edited in two steps (the first click selects the
row, a click on the selected row's cell puts it in edit mode, where inputs
appear); values are typed into the editing row's named controls; *Delete*
acts on the selected row. Rows are read by column title (``core.widgets``).

Each step is one script with its wait in the page (``core.inpage``): the click
on a selected row comes only once the page shows the selection and is quiet,
so two clicks are never one double click (which many grids take as "open this
row in a form"). ``quiet_ms``: the app answers an edit with requests of its
own (an SPA's on_change), waited out before the next step.

An adapter subclasses it with its locators (CSS, inside the root): ``_root``
(the grid's panel), ``_rows`` (the body rows), ``_new``, ``_delete`` (toolbar
buttons), ``_cell`` (the cell clicked to select / edit, inside a row), and if
they differ from the defaults ``_selected_class`` and ``_edit_marker``.
"""

from __future__ import annotations

from typing import Any

from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import Locator
from portal_pages.core.fields import FILL_FUNCTION_JS, filled_names, with_defaults
from portal_pages.core.inpage import wait_in_page, wait_script
from portal_pages.core.page import Region, css
from portal_pages.core.widgets import table_rows
from syncapp.errors import PageChanged

Field = tuple[str, str, str | bool]  # (name, kind, value) as in ``fill_fields``

_ROWS_JS = """
function rows(a) { return a.root.querySelectorAll(a.rows); }
function editing(a) {
  return Array.prototype.find.call(rows(a), function (r) { return r.querySelector(a.marker); });
}
"""
_ACT_JS = (
    FILL_FUNCTION_JS
    + _ROWS_JS
    + """
args.before = rows(args).length;
if (args.op === 'new' || args.op === 'delete') {
  ppPress(args.root.querySelector(args.op === 'new' ? args.new : args.delete));
}
if (args.op === 'fill') {
  var row = editing(args);
  args.filled = row ? ppFill(row, args.fields, args.selectors) : null;
}
"""
)
# new / delete: the count changed; fill: done once quiet; select / edit: click the row's
# cell, then (edit) click it again once it shows selected.
_DONE_JS = (
    _ROWS_JS
    + """
if (!quiet) { return null; }
var all = rows(args), row = all[args.index];
if (args.op === 'new') { return all.length > args.before && editing(args) ? 'new' : null; }
if (args.op === 'delete') { return all.length < args.before ? 'gone' : null; }
if (args.op === 'fill') { return args.filled || {missing: 'editing row'}; }
if (!row) { return {missing: 'row ' + args.index}; }
if (row.querySelector(args.marker)) { return 'editing'; }
var selected = row.classList.contains(args.selected);
if (args.op === 'select' && selected) { return 'selected'; }
var clicks = selected ? 2 : 1, cell = row.querySelector(args.cell);
if (!cell) { return {missing: 'cell of row ' + args.index}; }
if ((args.clicks || 0) < clicks) { args.clicks = clicks; ppPress(cell); }
return null;
"""
)
_GRID_JS = wait_script(_DONE_JS, _ACT_JS)


class EditableGrid(Region):
    _rows: Locator
    _new: Locator
    _delete: Locator
    _cell: Locator
    _table: Locator | None = None  # default: the root holds one table
    _selected_class = "selected"  # on a selected row
    _edit_marker: Locator = ("css selector", "[name]")  # inside a row in edit mode
    quiet_ms = 0

    def rows(self) -> list[dict]:
        """Each row as ``{column title: text}``, in one round trip."""
        table = self._table
        lookup = (lambda: self.find(table, "grid table")) if table else self.root
        return table_rows(self.browser, lookup)

    def add(self, fields: list[Field]) -> list[str]:
        """New row, wait until it is drawn and editable, fill it; return the names written."""
        root = self.root()
        self._step(root, "new")
        return self._fill(root, fields)

    def edit(self, index: int, fields: list[Field]) -> list[str]:
        """Put row ``index`` in edit mode (select, then click it again) and fill it."""
        root = self.root()
        self._step(root, "edit", index)
        return self._fill(root, fields)

    def delete(self, index: int) -> None:
        """Select row ``index`` and delete it; wait until the grid shows one row less."""
        root = self.root()
        self._step(root, "select", index)
        self._step(root, "delete")

    def _fill(self, root: WebElement, fields: list[Field]) -> list[str]:
        return filled_names(self._step(root, "fill", fields=fields), fields, self.browser.page)

    def _step(self, root: WebElement, op: str, index: int = 0, fields: list[Field] = ()) -> Any:
        args = {
            "root": root,
            "op": op,
            "index": index,
            "fields": [list(f) for f in fields],
            "selectors": with_defaults(None),
            "rows": css(self._rows),
            "new": css(self._new),
            "delete": css(self._delete),
            "cell": css(self._cell),
            "marker": css(self._edit_marker),
            "selected": self._selected_class,
        }
        owner = type(self).__name__
        out = wait_in_page(
            self.browser, _GRID_JS, args, what=f"grid {op}", owner=owner, quiet_ms=self.quiet_ms
        )
        if isinstance(out, dict) and "missing" in out:
            raise PageChanged(f"expected element missing: {out['missing']}", page=self.browser.page)
        return out
