"""The page objects' handle on one browser: scripts, explicit waits, lookups, clicks, the guard.

Every wait is a ``WebDriverWait`` on a condition with a deadline; nothing here
sleeps. Selenium's exceptions are translated into the service's failure tree
at this one boundary:

* a timeout is ``PortalUnavailable`` (retryable);
* a missing element is ``PageChanged`` (permanent: a wrong field in a chart is
  worse than a failure, so no selector is ever guessed) — but inside a wait it
  only means "not drawn yet" until the deadline, because a single-page app
  draws after its requests answer;
* an exception thrown by one of our own page-object scripts is
  ``PageScriptFailed`` naming the page object (a bug: retrying cannot help),
  unless the document was being replaced under it (then it is "not yet");
* a dead browser is ``PortalUnavailable`` with ``dead`` set so the client recycles it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from selenium.common.exceptions import (
    JavascriptException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from portal_pages.core import network
from syncapp.errors import PageChanged, PageScriptFailed, PortalUnavailable

T = TypeVar("T")
Locator = tuple[str, str]

STALE_ATTEMPTS = 4
_DEAD_MARKERS = (
    "invalid session id",
    "chrome not reachable",
    "no such window",
    "disconnected",
    "session deleted",
    "target window already closed",
    "connection refused",
)
# The document was replaced while our script ran: the page is not drawn yet, not broken.
_NAVIGATION_MARKERS = (
    "document unloaded",
    "execution context was destroyed",
    "cannot find context",
    "inspected target navigated",
)

# Waits out what a user would wait out (a fading modal, a backdrop, a control not
# drawn or still disabled): returns 'ok' once clicked, else why not (yet).
_CLICK_JS = """
var el = arguments[0];
if (!el.isConnected) { return 'stale'; }
if (el.disabled) { return 'disabled'; }
el.scrollIntoView({block: 'center', inline: 'center'});
var r = el.getBoundingClientRect();
if (r.width === 0 || r.height === 0) { return 'hidden'; }
var x = r.left + r.width / 2, y = r.top + r.height / 2;
var top = document.elementFromPoint(x, y);
if (!top || !(top === el || el.contains(top))) { return 'covered'; }
var opts = {bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0};
el.dispatchEvent(new MouseEvent('mousedown', opts));
el.dispatchEvent(new MouseEvent('mouseup', opts));
el.click();
return 'ok';
"""

# A single-page app keeps its state after '#': a new fragment does not reload, and
# its "are you sure to leave?" handler must not block the reload we ask for.
_CLEAR_UNLOAD_JS = "window.onbeforeunload = null;"

# Locator kinds a script can resolve; a path of them is found in one command.
_IN_PAGE = ("css selector", "id")
# __ppPath([[how, what], ...]): the element at the end of the path, each step the first
# match within the previous one, or the index of the first step that matched nothing.
_PATH_JS = """
function __ppPath(steps) {
  var el = document;
  for (var i = 0; i < steps.length; i++) {
    var how = steps[i][0], what = steps[i][1];
    var next = how === 'id'
      ? (el === document ? document.getElementById(what) : el.querySelector('#' + CSS.escape(what)))
      : el.querySelector(what);
    if (!next) { return i; }
    el = next;
  }
  return el;
}
"""


class Guard(Protocol):
    """What the browser asks of the adapter's session guard (``core.guard.SessionGuard``)."""

    def check(self) -> None: ...

    def sign_in(self) -> None: ...


class DocumentReplaced(PortalUnavailable):
    """The document was replaced under a script: "not yet" in a wait, retryable outside one."""


def is_stale(exc: BaseException) -> bool:
    """Stale element, including Chromium's "node does not belong to the document"."""
    if isinstance(exc, StaleElementReferenceException):
        return True
    return isinstance(exc, WebDriverException) and "does not belong to the document" in str(
        exc.msg or ""
    )


def is_dead(exc: BaseException) -> bool:
    """The browser or its driver is gone: only a new browser helps."""
    text = str(getattr(exc, "msg", "") or exc).lower()
    return isinstance(exc, WebDriverException) and any(m in text for m in _DEAD_MARKERS)


def is_navigation(exc: BaseException) -> bool:
    text = str(getattr(exc, "msg", "") or exc).lower()
    return any(m in text for m in _NAVIGATION_MARKERS)


class Browser:
    """Scripts, waits, lookups and the session guard, shared by all page objects of a session."""

    def __init__(self, driver: WebDriver, *, base_url: str, timeout: float, tracker: bool) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._tracker_preinstalled = tracker
        self.session_guard: Guard | None = None  # installed by the adapter
        self.page: str | None = None  # for error context: which screen we were on

    # --- navigation and scripts -------------------------------------------------
    def goto(self, path: str, *, reload: bool = False) -> None:
        """Load a portal URL (a path) and wait for its load event.

        ``reload``: for a single-page app, whose URL may differ only after ``#``
        (which does not reload): clear its leave-page prompt and reload for real.
        """
        url = self.base_url + path
        try:
            if reload:
                self.js(_CLEAR_UNLOAD_JS, owner="Browser")
                same_document = self.driver.current_url.split("#")[0] == url.split("#")[0]
                self.driver.get(url)
                if same_document:
                    self.driver.refresh()
            else:
                self.driver.get(url)
        except TimeoutException as exc:
            raise PortalUnavailable("page load timed out", page=self.page, step="goto") from exc
        self.after_load()

    def after_load(self) -> None:
        """Make sure the request tracker runs in the current document."""
        if not self._tracker_preinstalled:
            self.js(network.TRACKER_JS, owner="network tracker")

    def js(self, script: str, *args: Any, owner: str | None = None) -> Any:
        """Run one of our scripts; ``owner`` (the page object) is named if it throws."""
        return self._run(self.driver.execute_script, script, args, owner)

    def js_async(self, script: str, *args: Any, owner: str | None = None) -> Any:
        """Run a script that calls ``arguments[arguments.length - 1]`` when done: waits in-page."""
        return self._run(self.driver.execute_async_script, script, args, owner)

    def _run(self, execute: Callable[..., Any], script: str, args: tuple, owner: str | None) -> Any:
        try:
            return execute(script, *args)
        except JavascriptException as exc:
            if is_stale(exc) or is_dead(exc):
                raise
            if is_navigation(exc):
                raise DocumentReplaced(
                    f"the page changed under {owner or 'a script'}", page=self.page
                ) from exc
            raise PageScriptFailed(
                f"page-object script failed in {owner or 'an unnamed script'}", page=self.page
            ) from exc
        except TimeoutException as exc:  # an async script's own deadline
            raise PortalUnavailable(
                f"in-page wait timed out in {owner or 'a script'}", page=self.page
            ) from exc

    # --- waiting ------------------------------------------------------------------
    def wait_for(
        self,
        condition: Callable[[WebDriver], T],
        what: str | Callable[[], str],
        timeout: float | None = None,
    ) -> T:
        """Poll ``condition`` until truthy; ``PortalUnavailable`` at the deadline.

        Until the deadline, a missing element (``PageChanged``) or a document
        replaced mid-script means "not drawn yet". If the last attempt still
        missed an element, that ``PageChanged`` is raised: the portal had the
        whole timeout to draw it.
        """
        last: list[PageChanged | None] = [None]

        def attempt(d: WebDriver) -> T | None:
            try:
                value = condition(d)
            except DocumentReplaced:
                return None
            except PageScriptFailed:
                raise
            except PageChanged as exc:
                last[0] = exc
                return None
            except WebDriverException as exc:
                if is_stale(exc):
                    return None
                raise
            last[0] = None
            return value

        wait = WebDriverWait(
            self.driver,
            timeout if timeout is not None else self.timeout,
            poll_frequency=0.025,
            ignored_exceptions=(StaleElementReferenceException,),
        )
        try:
            return wait.until(attempt)  # type: ignore[return-value]
        except TimeoutException as exc:
            if last[0] is not None:
                raise last[0] from exc
            text = what() if callable(what) else f"timed out waiting for {what}"
            raise PortalUnavailable(text, page=self.page) from exc

    def settle(self, quiet_ms: int = 60) -> None:
        """Wait until no fetch/XHR is in flight and none finished in the last ``quiet_ms``."""
        self.wait_for(
            lambda d: self.js(network.SETTLED_JS, quiet_ms, owner="network tracker"),
            "the page to settle",
        )

    def request_seq(self) -> int:
        return int(self.js(network.SEQ_JS, owner="network tracker") or 0)

    def requests_since(self, seq: int) -> list[dict] | None:
        return self.js(network.SINCE_JS, seq, owner="network tracker")

    # --- lookups -------------------------------------------------------------------
    def find(
        self, locator: Locator, within: WebElement | None = None, what: str = ""
    ) -> WebElement:
        """The element, or ``PageChanged`` naming the locator (never the page's text).

        The message carries the selector itself (``id=chart-mrn``, as the drift check
        writes it): the Failed reason alone then tells the on-call which one drifted.
        """
        root = within if within is not None else self.driver
        try:
            return root.find_element(*locator)
        except NoSuchElementException as exc:
            raise self._missing(locator, what) from exc

    def find_path(self, path: list[tuple[Locator, str]]) -> WebElement:
        """The element at the end of ``path`` (each step looked up within the one before).

        One WebDriver command for the whole path when every step is a CSS or id
        locator; a missing step raises the same ``PageChanged`` as ``find``.
        """
        if not all(loc[0] in _IN_PAGE for loc, _ in path):
            (first, label), *rest = path
            found = self.find(first, None, label)
            for loc, what in rest:
                found = self.find(loc, found, what)
            return found
        steps = [[loc[0], loc[1]] for loc, _ in path]
        result = self.js(_PATH_JS + "return __ppPath(arguments[0]);", steps, owner="find_path")
        if isinstance(result, int):
            raise self._missing(*path[result])
        return result

    def js_rooted(self, js: str, root: tuple[Locator, str], *args: Any, owner: str) -> Any:
        """``js`` with the element at ``root`` as ``arguments[0]``, found in the same command."""
        (how, what), label = root
        wrapped = (
            _PATH_JS + "var __ppRoot = __ppPath([arguments[0]]);"
            "if (typeof __ppRoot === 'number') { return {__ppMissing: true}; }"
            "var __ppArgs = Array.prototype.slice.call(arguments, 1); __ppArgs[0] = __ppRoot;"
            f"return (function () {{ {js}\n}}).apply(this, __ppArgs);"
        )
        result = self.js(wrapped, [how, what], None, *args, owner=owner)
        if isinstance(result, dict) and result.get("__ppMissing") is True:
            raise self._missing((how, what), label)
        return result

    def _missing(self, locator: Locator, what: str) -> PageChanged:
        """The drift error: names the page object's label and the selector, never page text."""
        selector = f"{locator[0]}={locator[1]}"
        label = f"{what} ({selector})" if what else selector
        return PageChanged(f"expected element missing: {label}", page=self.page)

    def present(self, locator: Locator) -> bool:
        return bool(self.driver.find_elements(*locator))

    def wait_visible(self, locator: Locator, what: str, timeout: float | None = None) -> WebElement:
        def visible(d: WebDriver) -> WebElement | None:
            found = d.find_elements(*locator)
            return found[0] if found and found[0].is_displayed() else None

        return self.wait_for(visible, what, timeout)

    def wait_gone(self, locator: Locator, what: str, timeout: float | None = None) -> None:
        def gone(d: WebDriver) -> bool:
            return not any(e.is_displayed() for e in d.find_elements(*locator))

        self.wait_for(gone, what, timeout)

    # --- the session guard ---------------------------------------------------------
    def guard(self) -> None:
        """At an interaction point: lock screen, re-prompt, pop-up, log-out, error page."""
        if self.session_guard is not None:
            self.session_guard.check()

    def sign_in(self) -> None:
        """A page load landed on the login screen: log in (the adapter's guard knows how)."""
        if self.session_guard is None:
            raise PortalUnavailable(
                "the portal asked to log in and no guard is set", page=self.page
            )
        self.session_guard.sign_in()

    # --- interaction ---------------------------------------------------------------
    def click(self, lookup: Callable[[], WebElement], what: str) -> None:
        """Click like a user, in one round trip, waiting out what is in the way.

        The script checks what WebDriver's click checks (attached, visible,
        enabled, not covered by another element such as a fading modal) and
        then dispatches mousedown, mouseup and click: the portal's handlers and
        its idle timer see a user's click, at a tenth of a WebDriver click's
        cost. While something covers the control the guard runs (a lock screen
        or pop-up is cleared); at the deadline, ``PortalUnavailable`` says why.
        """
        outcome = [""]

        def clicked(d: WebDriver) -> bool:
            try:
                outcome[0] = self.js(_CLICK_JS, lookup(), owner=f"click on {what}")
            except WebDriverException as exc:
                if is_stale(exc):
                    return False
                raise
            if outcome[0] == "covered":
                self.guard()
            return outcome[0] == "ok"

        self.wait_for(clicked, lambda: f"could not click {what} ({outcome[0] or 'not found'})")

    def retry_stale(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (which must look its elements up again) until it is not stale."""
        for attempt in range(STALE_ATTEMPTS):
            try:
                return fn()
            except WebDriverException as exc:
                if not is_stale(exc):
                    raise
                if attempt == STALE_ATTEMPTS - 1:
                    raise PortalUnavailable("element kept going stale", page=self.page) from exc
        raise AssertionError("unreachable")  # pragma: no cover
