"""Widgets real EMR screens are made of, beyond plain fields (``core.fields``).

* ``pick_completion``: an autocomplete (a many2one): type, wait for the list,
  click the entry whose text is *exactly* the wanted one (leading flag emoji and
  spaces aside). The text arrives in one ``input`` event, as a paste would, so
  the widget searches once, after a Delete key press (a widget holding a value
  often searches only once the user deleted it); each of the two steps (type and wait for the
  entry, click it and wait for the widget to settle) is one script
  (``core.inpage``).
* ``table_rows``: a table read by column title (``td[data-title]`` or the
  ``thead`` titles), one dict per row, in one round trip. ``ROWS_FUNCTION_JS``
  defines ``ppRows(table, rowSelector)`` for scripts that read more at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import Browser
from portal_pages.core.inpage import wait_in_page, wait_script
from syncapp.errors import PageChanged, PortalUnavailable

Lookup = Callable[[], WebElement]
_FLAG = re.compile(r"^[\U0001F1E6-\U0001F1FF\s]+")

# Shared by the two steps: the field (first visible match), its exact entry, a paste.
_PICK_JS = """
function shown(e) { return !!(e.offsetWidth || e.offsetHeight); }
function bare(t) { return (t || '').replace(/^[\\u{1F1E6}-\\u{1F1FF}\\s]+/u, '').trim(); }
function field(a) { return Array.prototype.find.call(document.querySelectorAll(a.field), shown); }
function entries(a) {
  return Array.prototype.filter.call(document.querySelectorAll(a.entries), shown);
}
function exact(a) {
  return entries(a).find(function (e) { return bare(e.textContent) === a.text; });
}
function paste(el, text) {  // a set value is deleted first (many widgets search only once unset)
  el.focus();
  el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Delete', keyCode: 46, which: 46}));
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, text);
  el.dispatchEvent(new Event('input', {bubbles: true}));
}
"""
# Typed; until the exact entry shows (typed again if the form was drawn anew).
_SUGGESTED_JS = wait_script(
    _PICK_JS
    + """
var f = field(args);
if (f && f.value !== args.text) { paste(f, args.text); return null; }
return f && exact(args) ? true : null;
""",
    _PICK_JS + "var f = field(args); if (f) { paste(f, args.text); }",
)
# Clicked; until the list is gone, the field shows the text and the app is quiet. The
# entry is clicked again while it shows once quiet (a widget redrawing its list, say on
# a focus change, loses a click made in between).
_PICKED_JS = wait_script(
    _PICK_JS
    + """
var f = field(args), e = exact(args);
if (e && quiet) { ppPress(e); return null; }
var set = f && bare(f.value) === args.text && (!args.set || f.closest(args.set));
return quiet && set && !entries(args).length ? true : null;
"""
)
ROWS_FUNCTION_JS = """
function ppRows(table, rowSel) {
  var heads = [], rows = [];
  table.querySelectorAll('thead th').forEach(function (th) { heads.push(th.textContent.trim()); });
  table.querySelectorAll(rowSel).forEach(function (tr) {
    var row = {};
    Array.prototype.forEach.call(tr.children, function (td, i) {
      var title = (td.getAttribute('data-title') || heads[i] || '').replace(/:\\s*$/, '').trim();
      if (!title || td.style.display === 'none') { return; }
      var cell = td.querySelector('[title]');
      row[title] = (cell ? cell.getAttribute('title') : td.textContent).trim();
    });
    rows.push(row);
  });
  return rows;
}
"""
_ROWS_JS = ROWS_FUNCTION_JS + "return ppRows(arguments[0], arguments[1]);"


def completion_text(text: str) -> str:
    return _FLAG.sub("", text or "").strip()


def pick_completion(
    browser: Browser,
    field_css: str,
    entry_css: str,
    text: str,
    name: str,
    quiet_ms: int = 0,
    set_css: str | None = None,
) -> None:
    """Set an autocomplete to the entry reading exactly ``text``; ``PageChanged`` if none does.

    ``field_css``: the input (its first visible match); ``entry_css``: the
    entries of the open list (visible ones count). ``quiet_ms``: the widget
    sets the value with requests of its own (``core.inpage``). ``set_css``: the
    widget's own mark of a chosen record, on the field or an ancestor (typed
    text alone reads the same as a pick, and a list closed by a focus change
    looks like one taken).
    """
    args = {"field": field_css, "entries": entry_css, "text": text, "set": set_css}
    try:
        wait_in_page(browser, _SUGGESTED_JS, args, what=f"{name} suggestions", owner=name)
    except PortalUnavailable as exc:
        raise PageChanged(f"no option for {name}", page=browser.page, fields=[name]) from exc
    wait_in_page(browser, _PICKED_JS, args, what=f"{name} set", owner=name, quiet_ms=quiet_ms)


def table_rows(browser: Browser, table: Lookup, row_css: str = "tbody > tr") -> list[dict]:
    """Each row of a table as ``{column title: cell text}`` (hidden columns left out)."""
    return browser.retry_stale(lambda: browser.js(_ROWS_JS, table(), row_css, owner="table rows"))
