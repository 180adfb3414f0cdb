"""Read-before-write setters: touch a field only when its value differs.

Writing an unchanged value is not free on a portal: it costs time, it can
trip "unsaved changes" logic, and a portal that saves only changed fields then
records no write at all, which is what makes a no-op resync a no-op. Text is
set by script and announced with ``input``/``change`` events (about 5x faster
than ``send_keys``); every setter reads the value back and raises
``PageChanged`` if the widget did not take it, because a field that silently
keeps an old value is a wrong chart.

Fields are found in any container (a ``<form>``, a tab pane, a modal: single-page
apps such as Tryton's SAO have no ``<form>``), by ``name``, taking the first
*visible* match: the same name often occurs again in an embedded, hidden form.
A native ``<select>`` is set through its own ``value`` (the input setter throws
"Illegal invocation" on it) and announced with ``change``, through jQuery too
when the page uses it, since jQuery handlers do not all see native events.

Each setter takes a ``lookup`` callable, not an element, so that a re-render in
the middle of a write is retried on a fresh element. ``fill_fields`` is the
workhorse: a whole container's text, textareas, selects, masked dates, custom
dropdowns and checkboxes, read-before-write and read back, in one round trip.
"""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import Browser
from syncapp.errors import PageChanged

Lookup = Callable[[], WebElement]

# Shared by the scripts below: set a control's value as a user's typing would end.
_SETTER_JS = """
function ppVisible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
function ppFirst(root, selector) {
  var all = root.querySelectorAll(selector), i;
  for (i = 0; i < all.length; i++) { if (ppVisible(all[i])) { return all[i]; } }
  return all.length ? all[0] : null;
}
function ppSet(el, want) {
  if (el.tagName === 'SELECT') {
    el.value = want;
  } else {
    var proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, want);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  el.dispatchEvent(new Event('change', {bubbles: true}));
  if (window.jQuery) { window.jQuery(el).trigger('change'); }
}
"""

# Returns [changed, value-after].
_SET_VALUE_JS = (
    _SETTER_JS
    + """
var el = arguments[0], want = arguments[1];
if (el.value === want) { return [false, el.value]; }
ppSet(el, want);
return [true, el.value];
"""
)

# ``ppRead(root)``: every named control of a container, first visible match per name:
# checkboxes as booleans, everything else as text (a select's value). Page objects
# that read several containers in one script start their script with this.
READ_FUNCTION_JS = (
    _SETTER_JS
    + """
function ppRead(root) {
  var out = {}, seen = {};
  root.querySelectorAll('[name]').forEach(function (el) {
    if (seen[el.name] || !('value' in el)) { return; }
    var first = ppFirst(root, '[name="' + CSS.escape(el.name) + '"]');
    seen[el.name] = true;
    out[el.name] = first.type === 'checkbox' ? first.checked : first.value;
  });
  return out;
}
"""
)

_READ_JS = READ_FUNCTION_JS + "return ppRead(arguments[0]);"


def _mismatch(name: str, page: str | None) -> PageChanged:
    return PageChanged(f"field did not accept the value: {name}", page=page, fields=[name])


def set_text(browser: Browser, lookup: Lookup, value: str, name: str) -> bool:
    """Text input, textarea or native ``<select>`` (by option value); ``True`` if changed."""
    changed, after = browser.retry_stale(
        lambda: browser.js(_SET_VALUE_JS, lookup(), value, owner=f"set {name}")
    )
    if after != value:
        raise _mismatch(name, browser.page)
    return bool(changed)


def set_masked_date(browser: Browser, lookup: Lookup, value: str, name: str) -> bool:
    """Masked date (``value`` already in the mask's display shape); verified by reading back."""
    changed, _ = browser.retry_stale(
        lambda: browser.js(_SET_VALUE_JS, lookup(), value, owner=f"set {name}")
    )
    after = browser.retry_stale(lambda: lookup().get_attribute("value"))
    if after != value:
        raise _mismatch(name, browser.page)
    return bool(changed)


def read_fields(browser: Browser, container: Lookup) -> dict[str, str | bool]:
    """All named controls of any container in one round trip (first visible match per name)."""
    return browser.retry_stale(lambda: browser.js(_READ_JS, container(), owner="read fields"))


# ``ppFill(form, spec, sel)``, one round trip for a whole container: read-before-write
# on every field, then read back. Custom dropdowns are driven by clicking their toggle
# and option, which runs the widget's own handlers exactly as a user's click would.
# Returns {name: [status, after]}. Scripts that fill and then act (``core.submit``)
# start with this.
FILL_FUNCTION_JS = (
    _SETTER_JS
    + """
function ppFill(form, spec, sel) {
var out = {};
function q(root, template, value) { return ppFirst(root, template.split('%s').join(CSS.escape(value))); }
spec.forEach(function (item) {
  var name = item[0], kind = item[1], want = item[2], el;
  if (kind === 'dropdown') {
    var root = q(form, sel.dropdown, name);
    if (!root) { out[name] = ['missing', null]; return; }
    if ((root.getAttribute(sel.value_attribute) || '') === want) { out[name] = ['same', want]; return; }
    var toggle = root.querySelector(sel.toggle);
    if (!toggle) { out[name] = ['missing', null]; return; }
    toggle.click();
    var option = q(root, sel.option, want);
    if (!option) { toggle.click(); out[name] = ['no-option', null]; return; }
    option.click();
    out[name] = ['changed', root.getAttribute(sel.value_attribute) || ''];
    return;
  }
  el = q(form, sel.control, name);
  if (!el) { out[name] = ['missing', null]; return; }
  if (kind === 'checkbox') {
    if (el.checked === want) { out[name] = ['same', el.checked]; return; }
    el.click();
    out[name] = ['changed', el.checked];
    return;
  }
  if (el.value === want) { out[name] = ['same', el.value]; return; }
  ppSet(el, want);
  out[name] = ['changed', el.value];
});
return out;
}
"""
)
_FILL_JS = FILL_FUNCTION_JS + "return ppFill(arguments[0], arguments[1], arguments[2]);"

DEFAULT_SELECTORS = {"control": '[name="%s"]:not([type=hidden])'}


def fill_fields(
    browser: Browser,
    container: Lookup,
    fields: list[tuple[str, str, str | bool]],
    selectors: dict[str, str] | None = None,
) -> list[str]:
    """Bring many fields of one container to their values in a single round trip.

    ``fields`` holds ``(name, kind, value)`` with kind ``text`` (inputs,
    textareas, native selects by option value, masked dates: the mask
    re-formats on the ``input`` event, and the value is read back after it),
    ``checkbox`` or ``dropdown`` (a custom widget). ``selectors`` are the
    adapter's CSS templates (``%s`` = name or value): ``control``, and for
    custom dropdowns ``dropdown``, ``toggle``, ``option``, ``value_attribute``.
    Returns the names changed; ``PageChanged`` if a field or option is missing
    or did not keep its value.
    """
    sel = with_defaults(selectors)
    result = browser.retry_stale(
        lambda: browser.js(
            _FILL_JS, container(), [list(f) for f in fields], sel, owner="fill fields"
        )
    )
    return filled_names(result, fields, browser.page)


def with_defaults(selectors: dict[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_SELECTORS, **(selectors or {})}


def filled_names(
    result: dict, fields: list[tuple[str, str, str | bool]], page: str | None
) -> list[str]:
    """The names ``ppFill`` changed; ``PageChanged`` for a missing or refused field."""
    changed = []
    for name, _kind, want in fields:
        status, after = result.get(name, ["missing", None])
        if status in ("missing", "no-option"):
            raise PageChanged(f"form control missing: {name}", page=page, fields=[name])
        if after != want:
            raise _mismatch(name, page)
        if status == "changed":
            changed.append(name)
    return changed
