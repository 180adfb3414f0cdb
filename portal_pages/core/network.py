"""A tiny in-page counter of in-flight fetch/XHR requests: the "page settled" signal.

Portals render after load with JavaScript; the only reliable "settled" test on
a real EMR was "no pending requests". The tracker is installed before any page
script runs (Chrome DevTools ``Page.addScriptToEvaluateOnNewDocument``), or, on
a remote browser without DevTools, injected after each load. It also keeps the
status of recent requests so a save's outcome (200, 422, 423, 401, 5xx) is
read from the wire instead of guessed from a toast. Only method, path (no
query string: searches carry names) and status are kept.
"""

from __future__ import annotations

import logging

from selenium.webdriver.remote.webdriver import WebDriver

log = logging.getLogger(__name__)

TRACKER_JS = r"""
(function () {
  if (window.__ppNet) { return; }
  var net = window.__ppNet = {inflight: 0, seq: 0, idleSince: 0, log: []};
  function now() { return (window.performance && performance.now()) || Date.now(); }
  function path(u) { try { return new URL(u, location.href).pathname; } catch (e) { return ''; } }
  function start() { net.inflight += 1; net.seq += 1; return net.seq; }
  function done(id, method, url, status) {
    net.inflight = Math.max(0, net.inflight - 1);
    if (net.inflight === 0) { net.idleSince = now(); }
    net.log.push({id: id, method: String(method || 'GET').toUpperCase(), path: path(url), status: status});
    if (net.log.length > 50) { net.log.shift(); }
    try { window.dispatchEvent(new Event('__ppnet')); } catch (e) {}  // wakes in-page waits
  }
  if (window.fetch) {
    var origFetch = window.fetch;
    window.fetch = function (input, init) {
      var method = (init && init.method) || (input && input.method) || 'GET';
      var url = (typeof input === 'string') ? input : ((input && input.url) || String(input));
      var id = start();
      return origFetch.apply(this, arguments).then(function (r) {
        done(id, method, url, r.status); return r;
      }, function (e) { done(id, method, url, 0); throw e; });
    };
  }
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__pp = {method: method, url: url}; return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var xhr = this, info = xhr.__pp || {}, id = start();
    xhr.addEventListener('loadend', function () { done(id, info.method, info.url, xhr.status); });
    return send.apply(this, arguments);
  };
})();
"""

# True when no request is in flight and none finished in the last ``quiet_ms``:
# "idle, twice, a moment apart" without sleeping.
SETTLED_JS = """
var net = window.__ppNet, quiet = arguments[0];
if (!net) { return document.readyState === 'complete'; }
var t = (window.performance && performance.now()) || Date.now();
return document.readyState === 'complete' && net.inflight === 0 && (t - net.idleSince) >= quiet;
"""

SEQ_JS = "return window.__ppNet ? window.__ppNet.seq : 0;"

# Requests started after ``arguments[0]`` that have finished, oldest first.
SINCE_JS = """
var net = window.__ppNet, after = arguments[0];
if (!net) { return null; }
return net.log.filter(function (e) { return e.id > after; });
"""


def install_tracker(driver: WebDriver) -> bool:
    """Register the tracker for every future document; ``False`` when DevTools is unavailable."""
    cdp = getattr(driver, "execute_cdp_cmd", None)
    if cdp is None:
        return False
    try:
        cdp("Page.addScriptToEvaluateOnNewDocument", {"source": TRACKER_JS})
        return True
    except Exception:  # noqa: BLE001 - remote grids may refuse DevTools commands
        log.info(
            "devtools unavailable: tracker injected after each load", extra={"step": "tracker"}
        )
        return False
