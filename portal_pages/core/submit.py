"""Saving a form in one round trip: check, fill, click Save and wait for the outcome, in the page.

A save used to be 15-20 WebDriver commands (guard check, find, fill, find, mark,
click, then polling for the outcome every 25 ms), each a round trip of 5-8 ms
on a busy worker before the portal's own request even leaves. Here it is one
``execute_async_script``: the script checks that nothing is in the way,
fills the fields read-before-write (``core.fields.ppFill``), notes where the
page's signals stand, clicks Save as a user would, and then waits *in the page*
(a MutationObserver plus the network tracker's event, no polling interval)
until the adapter's condition says how the save ended. Python gets one answer.

An adapter supplies three JavaScript function bodies, each given ``a`` (its
arguments): ``blocked`` (a reason not to touch the form now: a lock screen, a
pop-up, another page; ``null`` when clear), ``mark`` (the signals before the
click) and ``ended`` (given ``a`` and the mark: ``null`` while the save runs,
else the adapter's outcome object). The adapter maps outcomes to errors, so the
failure paths and error kinds stay the adapter's, exactly as with polling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from selenium.common.exceptions import WebDriverException

from portal_pages.core.browser import Browser, DocumentReplaced, is_stale
from portal_pages.core.fields import FILL_FUNCTION_JS, Lookup, filled_names, with_defaults
from portal_pages.core.inpage import NET_EVENT
from syncapp.errors import PageChanged, PageScriptFailed, PortalUnavailable

_MARGIN_S = 0.5  # the driver's own script timeout must not answer first

_TEMPLATE = (
    FILL_FUNCTION_JS
    + """
var root = arguments[0], a = arguments[1], timeoutMs = arguments[2], netEvent = arguments[3];
var done = arguments[arguments.length - 1], deadline = Date.now() + timeoutMs, filled = null;
function blocked(a) { /*BLOCKED*/ }
function mark(a) { /*MARK*/ }
function ended(a, m) { /*ENDED*/ }
function ppClick(el) {
  if (el.disabled) { return 'disabled'; }
  el.scrollIntoView({block: 'center', inline: 'center'});
  var r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) { return 'hidden'; }
  var x = r.left + r.width / 2, y = r.top + r.height / 2, top = document.elementFromPoint(x, y);
  if (!top || !(top === el || el.contains(top))) { return 'covered'; }
  var o = {bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0};
  el.dispatchEvent(new MouseEvent('mousedown', o));
  el.dispatchEvent(new MouseEvent('mouseup', o));
  el.click();
  return 'ok';
}
function ppShown(selector) {
  var all = document.querySelectorAll(selector), i;
  for (i = 0; i < all.length; i++) { if (ppVisible(all[i])) { return all[i]; } }
  return null;
}
// Wait in the page (a MutationObserver and the network tracker's event, no polling)
// until cond() gives a value, then then(value); the deadline calls late(). A
// navigation ends the wait now: WebDriver does not always notice an async script's
// document going away.
function watch(cond, then, late) {
  var over = false, observer = null, timer = null;
  function stop() {
    over = true;
    if (observer) { observer.disconnect(); }
    clearTimeout(timer);
    window.removeEventListener(netEvent, test);
    window.removeEventListener('beforeunload', left);
    window.removeEventListener('pagehide', left);
  }
  function left() { if (!over) { stop(); done({status: 'left', filled: filled}); } }
  function test() {
    if (over) { return; }
    var value;
    try { value = cond(); } catch (e) { stop(); done({status: 'error', message: String(e)}); return; }
    if (value) { stop(); then(value); }
  }
  observer = new MutationObserver(test);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window.addEventListener(netEvent, test);
  window.addEventListener('beforeunload', left);
  window.addEventListener('pagehide', left);
  timer = setTimeout(function () { if (!over) { stop(); late(); } }, Math.max(0, deadline - Date.now()));
  test();
}
function save(form) {
  filled = ppFill(form, a.fields, a.selectors);
  var changed = [];
  for (var i = 0; i < a.fields.length; i++) {
    var f = a.fields[i], got = filled[f[0]] || ['missing', null];
    if (got[0] === 'missing' || got[0] === 'no-option' || got[1] !== f[2]) {
      done({status: 'refused', filled: filled}); return;
    }
    if (got[0] === 'changed') { changed.push(f[0]); }
  }
  if (!changed.length && !a.force) { done({status: 'unchanged', filled: filled}); return; }
  var button = ppFirst(form, a.save);
  if (!button) { done({status: 'no-save', filled: filled}); return; }
  var m = mark(a), click = ppClick(button);
  if (click !== 'ok') { done({status: 'not-clicked', why: click, filled: filled}); return; }
  watch(function () { var o = ended(a, m); return o ? {outcome: o} : null; },
    function (v) { done({status: 'ended', outcome: v.outcome, filled: filled}); },
    function () { done({status: 'timeout', filled: filled}); });
}
var why = blocked(a);
if (why) { done({status: 'blocked', why: why}); return; }
if (!a.form) { save(root); return; }
// The form found in the page once shown; in a dialog, opened with a user's click on
// ``opener`` (once), unless an earlier attempt left it open.
var clicked = false;
watch(function () {
  var w = blocked(a), form = !w && ppShown(a.form), opener;
  if (w || form) { return {why: w, form: form}; }
  if (a.opener && !clicked && (opener = document.querySelector(a.opener)) && ppClick(opener) === 'ok') {
    clicked = true;
    form = ppShown(a.form);
  }
  return form ? {form: form} : null;
}, function (v) {
  if (v.why) { done({status: 'blocked', why: v.why}); } else { save(v.form); }
}, function () {
  var missing = a.opener ? !clicked && !document.querySelector(a.opener) : !document.querySelector(a.form);
  done({status: 'no-form', missing: missing ? (a.opener ? 'opener' : 'form') : null});
});
"""
)


def submit_script(*, blocked: str, mark: str, ended: str) -> str:
    """The async script for one adapter's conditions (build once, at import)."""
    return (
        _TEMPLATE.replace("/*BLOCKED*/", blocked)
        .replace("/*MARK*/", mark)
        .replace("/*ENDED*/", ended)
    )


@dataclass(frozen=True)
class Submitted:
    """How one submit went. ``status``: ``ended`` (``outcome`` says how), ``unchanged``
    (nothing differed: nothing was submitted), ``blocked`` / ``not-clicked`` (``why``:
    something is in the way; run the guard and submit again)."""

    status: str
    changed: list[str] = field(default_factory=list)
    outcome: Any = None
    why: str | None = None


def submit(
    browser: Browser,
    root: Lookup,
    fields: list[tuple[str, str, str | bool]],
    *,
    script: str,
    save: str,
    args: dict[str, Any],
    selectors: dict[str, str] | None = None,
    force: bool = False,
    opener: str | None = None,
    form: str | None = None,
    owner: str,
    what: str,
) -> Submitted:
    """Fill ``fields`` in ``root`` and, if any changed (or ``force``), save and wait: one command.

    ``save`` is the Save button's CSS selector inside ``root``. ``form``: the
    form's CSS selector instead of ``root``, found by the same script (its first
    shown match; no lookup of its own); ``opener``: the control that opens it (a
    dialog), clicked in the same script unless the form is already shown. ``PageChanged`` when a field, the Save button or the
    opener is missing or a field refuses its value (nothing is submitted then),
    ``PageScriptFailed`` when the adapter's condition throws, ``PortalUnavailable``
    at the deadline. A navigation away ends the script: ``DocumentReplaced``.
    """
    spec = [list(f) for f in fields]
    payload = {**args, "fields": spec, "selectors": with_defaults(selectors), "save": save}
    payload |= {"force": force, "opener": opener, "form": form}
    ms = int(max(0.1, browser.timeout - _MARGIN_S) * 1000)
    element = root() if form is None else None
    try:
        result = browser.js_async(script, element, payload, ms, NET_EVENT, owner=owner)
    except WebDriverException as exc:
        if is_stale(exc):  # the save navigated, or the form was drawn again: look again
            raise DocumentReplaced(f"the page changed under {owner}", page=browser.page) from exc
        raise
    status = result.get("status")
    if status == "refused":
        filled_names(result["filled"], fields, browser.page)  # raises, naming the field
    if status == "error":
        raise PageScriptFailed(f"page-object script failed in {owner}", page=browser.page)
    if status == "no-save":
        raise PageChanged(f"expected element missing: {what} save button", page=browser.page)
    if status == "left":
        raise DocumentReplaced(f"the page changed under {owner}", page=browser.page)
    if status == "timeout":
        raise PortalUnavailable(f"timed out waiting for {what} to finish", page=browser.page)
    if status == "no-form" and result["missing"]:
        raise PageChanged(
            f"expected element missing: {what} {result['missing']}", page=browser.page
        )
    if status == "no-form":
        raise PortalUnavailable(f"timed out waiting for the {what} form", page=browser.page)
    changed = filled_names(result["filled"], fields, browser.page) if "filled" in result else []
    return Submitted(status, changed, result.get("outcome"), result.get("why"))
