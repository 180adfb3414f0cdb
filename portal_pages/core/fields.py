"""Read-before-write setters: touch a field only when its value differs.

Writing an unchanged value is not free on a portal: it costs time, it can
trip "unsaved changes" logic, and a portal that saves only changed fields then
records no write at all, which is what makes a no-op resync a no-op. Text is
set by script and announced with ``input``/``change`` events (about 5x faster
than ``send_keys``, FACTS.md); every setter reads the value back and raises
``PageChanged`` if the widget did not take it, because a field that silently
keeps an old value is a wrong chart.

Each setter takes a ``lookup`` callable, not an element, so that a re-render in
the middle of a write is retried on a fresh element. ``fill_form`` is the
workhorse: text, textareas, masked dates, custom dropdowns and checkboxes of a
whole form, read-before-write and read back, in one round trip.
"""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import Browser
from syncapp.errors import PageChanged

Lookup = Callable[[], WebElement]

# Returns [changed, value-after]. Uses the native value setter so frameworks
# that wrap ``value`` still see the change, then fires the events a user would.
_SET_VALUE_JS = """
var el = arguments[0], want = arguments[1];
if (el.value === want) { return [false, el.value]; }
var proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, want);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
return [true, el.value];
"""

# Every named control of a form: checkboxes as booleans, everything else as text.
READ_FORM_JS = """
var out = {}, els = arguments[0].elements;
for (var i = 0; i < els.length; i++) {
  var el = els[i];
  if (!el.name) { continue; }
  out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
}
return out;
"""


def _mismatch(name: str, page: str | None) -> PageChanged:
    return PageChanged(f"field did not accept the value: {name}", page=page, fields=[name])


def set_text(b: Browser, lookup: Lookup, value: str, name: str) -> bool:
    """Text input or textarea; ``True`` if it was changed."""
    changed, after = b.retry_stale(lambda: b.js(_SET_VALUE_JS, lookup(), value))
    if after != value:
        raise _mismatch(name, b.page)
    return bool(changed)


def set_masked_date(b: Browser, lookup: Lookup, value: str, name: str) -> bool:
    """Masked date (``value`` already in the mask's display shape); verified by reading back."""
    changed, _ = b.retry_stale(lambda: b.js(_SET_VALUE_JS, lookup(), value))
    after = b.retry_stale(lambda: lookup().get_attribute("value"))
    if after != value:
        raise _mismatch(name, b.page)
    return bool(changed)


def read_form(b: Browser, lookup: Lookup) -> dict[str, str | bool]:
    """All named controls of a form in one round trip."""
    return b.retry_stale(lambda: b.js(READ_FORM_JS, lookup()))


# One round trip for a whole form: read-before-write on every field, then read back.
# Dropdowns are driven by clicking their toggle and option, which runs the widget's
# own handlers exactly as a user's click would. Returns {name: [status, after]}.
_FILL_FORM_JS = """
var form = arguments[0], spec = arguments[1], sel = arguments[2], out = {};
function q(root, template, value) { return root.querySelector(template.split('%s').join(CSS.escape(value))); }
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
  var proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, want);
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  out[name] = ['changed', el.value];
});
return out;
"""


def fill_form(
    b: Browser,
    form: Lookup,
    fields: list[tuple[str, str, str | bool]],
    selectors: dict[str, str],
) -> list[str]:
    """Bring many fields of one form to their values in a single round trip.

    ``fields`` holds ``(name, kind, value)`` with kind ``text`` (also textareas
    and masked dates: the mask re-formats on the ``input`` event, and the value
    is read back after it), ``checkbox`` or ``dropdown``. ``selectors`` are the
    adapter's CSS templates (``%s`` = name or value): ``control``, ``dropdown``,
    ``toggle``, ``option`` and ``value_attribute``. Returns the names changed;
    ``PageChanged`` if a field or option is missing or did not keep its value.
    """
    result = b.retry_stale(
        lambda: b.js(_FILL_FORM_JS, form(), [list(f) for f in fields], selectors)
    )
    changed = []
    for name, _kind, want in fields:
        status, after = result.get(name, ["missing", None])
        if status in ("missing", "no-option"):
            raise PageChanged(f"form control missing: {name}", page=b.page, fields=[name])
        if after != want:
            raise _mismatch(name, b.page)
        if status == "changed":
            changed.append(name)
    return changed
