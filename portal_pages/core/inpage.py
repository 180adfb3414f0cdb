"""Waiting inside the page: one round trip that returns when the page says so.

Polling a condition from Python costs one WebDriver round trip per look (5–8 ms
each on a busy 2-core worker) and answers up to a poll interval late; while a
hosted portal takes 150 ms per request, a 25 ms poll sends half a dozen
commands per request. Here the condition runs *in the page*, again on every DOM
mutation (and on every request the network tracker sees finish), inside one
``execute_async_script``: the answer arrives the moment the page changes, with
no fixed interval, for one command.

The condition is a JavaScript function body spliced into the script (not
``eval``'d in the page, so a portal's Content-Security-Policy cannot refuse it):
it receives ``args`` and returns a value; anything but ``null``, ``undefined``
or ``false`` ends the wait and is returned. A condition that throws ends the
wait too, as ``PageScriptFailed`` naming its owner. Navigation away ends the
script (Chromium reports the document unloaded): ``Browser`` turns that into
``DocumentReplaced``, "not yet" for a caller that loops.

One UI action and its wait are one round trip: an optional *action* (a body
too, given ``args``; ``ppPress(el)`` clicks like a user) runs once before the
condition is first tested. A single-page app answers an action with a chain
of requests, each fired from the answer of the last, and draws before its data
arrive: ``quiet_ms`` gives the condition a second argument, ``quiet``, true
once no request is in flight and none has ended for ``quiet_ms`` (the
tracker's count), and tests it again every half ``quiet_ms`` while waiting, so
"the dialog is drawn and the app is done" is one condition.
"""

from __future__ import annotations

from typing import Any

from portal_pages.core.browser import Browser
from syncapp.errors import PageScriptFailed, PortalUnavailable

# Event the network tracker fires when a request finishes (see network.TRACKER_JS).
NET_EVENT = "__ppnet"
# Leave the driver's own script timeout room to answer first with a clear reason.
_MARGIN_S = 0.5

_WAIT_TEMPLATE = """
var args = arguments[0], timeoutMs = arguments[1], netEvent = arguments[2];
var quietMs = arguments[3], act = arguments[4];
var done = arguments[arguments.length - 1];
function ppPress(el) {
  var o = {bubbles: true, cancelable: true, view: window, button: 0};
  el.dispatchEvent(new MouseEvent('mousedown', o));
  el.dispatchEvent(new MouseEvent('mouseup', o));
  el.click();
}
function action(args) { /*ACTION*/ }
function check(args, quiet) { /*CONDITION*/ }
function isQuiet() {
  var net = window.__ppNet, now = (window.performance && performance.now()) || Date.now();
  if (document.readyState !== 'complete') { return false; }
  return !net || (net.inflight === 0 && now - net.idleSince >= quietMs);
}
var finished = false, observer = null, timer = null, ticker = null;
function finish(value) {
  if (finished) { return; }
  finished = true;
  if (observer) { observer.disconnect(); }
  clearTimeout(timer);
  clearInterval(ticker);
  window.removeEventListener(netEvent, test);
  done(value);
}
function test() {
  if (finished) { return; }
  var value;
  try { value = check(args, isQuiet()); } catch (e) { finish({__pp: 'error', message: String(e)}); return; }
  if (value !== null && value !== undefined && value !== false) { finish({__pp: 'ok', value: value}); }
}
try { if (act) { action(args); } } catch (e) { finish({__pp: 'error', message: String(e)}); }
if (!finished) {
  observer = new MutationObserver(test);
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window.addEventListener(netEvent, test);
  timer = setTimeout(function () { finish({__pp: 'timeout'}); }, timeoutMs);
  if (quietMs) { ticker = setInterval(test, Math.max(10, quietMs / 2)); }
  test();
}
"""


def wait_script(condition: str, action: str = "") -> str:
    """The async script for ``condition`` (and ``action``); build once per pair, at import."""
    return _WAIT_TEMPLATE.replace("/*ACTION*/", action).replace("/*CONDITION*/", condition)


def wait_in_page(
    browser: Browser,
    script: str,
    args: Any,
    *,
    what: str,
    owner: str,
    timeout: float | None = None,
    quiet_ms: int = 0,
    act: bool = True,
) -> Any:
    """Run a ``wait_script`` until its condition holds; ``PortalUnavailable`` at the deadline.

    ``act=False``: only wait (the action already ran, and an interruption was cleared).
    """
    seconds = max(0.1, (timeout if timeout is not None else browser.timeout) - _MARGIN_S)
    result = browser.js_async(
        script, args, int(seconds * 1000), NET_EVENT, quiet_ms, act, owner=owner
    )
    kind = (result or {}).get("__pp")
    if kind == "ok":
        return result["value"]
    if kind == "error":
        raise PageScriptFailed(f"page-object script failed in {owner}", page=browser.page)
    raise PortalUnavailable(f"timed out waiting for {what}", page=browser.page)
