"""The page objects' handle on one browser: explicit waits, lookups, guards.

Every wait is a ``WebDriverWait`` on a condition with a deadline; nothing here
sleeps. Selenium's exceptions are translated into the service's failure tree
at this one boundary: a timeout is ``PortalUnavailable`` (retryable), a missing
element on a settled page is ``PageChanged`` (permanent: a wrong field in a
chart is worse than a failure, so no selector is ever guessed), and a dead
browser is ``PortalUnavailable`` with ``dead`` set so the client recycles it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from portal_pages.core import network
from syncapp.errors import PageChanged, PortalUnavailable

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


class Browser:
    """Waits, lookups and the guard hook, shared by all page objects of a session."""

    def __init__(self, driver: WebDriver, *, base_url: str, timeout: float, tracker: bool) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._tracker_preinstalled = tracker
        self.guards: list[Callable[[], None]] = []
        self.page: str | None = None  # for error context: which screen we were on

    # --- navigation and scripts -------------------------------------------------
    def goto(self, path: str) -> None:
        """Load a portal URL (a path) and wait for the page's own load event."""
        try:
            self.driver.get(self.base_url + path)
        except TimeoutException as exc:
            raise PortalUnavailable("page load timed out", page=self.page, step="goto") from exc
        self.after_load()

    def after_load(self) -> None:
        """Make sure the request tracker runs in the current document."""
        if not self._tracker_preinstalled:
            self.js(network.TRACKER_JS)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def current_path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    # --- waiting ------------------------------------------------------------------
    def wait_for(
        self, condition: Callable[[WebDriver], T], what: str, timeout: float | None = None
    ) -> T:
        """Poll ``condition`` until truthy; ``PortalUnavailable`` at the deadline."""
        wait = WebDriverWait(
            self.driver,
            timeout if timeout is not None else self.timeout,
            poll_frequency=0.025,
            ignored_exceptions=(StaleElementReferenceException,),
        )
        try:
            return wait.until(condition)
        except TimeoutException as exc:
            raise PortalUnavailable(f"timed out waiting for {what}", page=self.page) from exc

    def settle(self, quiet_ms: int = 60) -> None:
        """Wait until no fetch/XHR is in flight and none finished in the last ``quiet_ms``."""
        self.wait_for(
            lambda d: d.execute_script(network.SETTLED_JS, quiet_ms), "the page to settle"
        )

    def request_seq(self) -> int:
        return int(self.js(network.SEQ_JS) or 0)

    def requests_since(self, seq: int) -> list[dict] | None:
        return self.js(network.SINCE_JS, seq)

    # --- lookups -------------------------------------------------------------------
    def find(
        self, locator: Locator, within: WebElement | None = None, what: str = ""
    ) -> WebElement:
        """The element, or ``PageChanged`` naming the locator (never the page's text)."""
        root = within if within is not None else self.driver
        try:
            return root.find_element(*locator)
        except NoSuchElementException as exc:
            raise PageChanged(
                f"expected element missing: {what or locator[1]}", page=self.page
            ) from exc

    def find_all(self, locator: Locator, within: WebElement | None = None) -> list[WebElement]:
        root = within if within is not None else self.driver
        return root.find_elements(*locator)

    def present(self, locator: Locator) -> bool:
        return bool(self.driver.find_elements(*locator))

    def wait_present(self, locator: Locator, what: str, timeout: float | None = None) -> WebElement:
        return self.wait_for(lambda d: (d.find_elements(*locator) or [None])[0], what, timeout)

    def wait_visible(self, locator: Locator, what: str, timeout: float | None = None) -> WebElement:
        def visible(d: WebDriver) -> WebElement | None:
            found = d.find_elements(*locator)
            return found[0] if found and found[0].is_displayed() else None

        return self.wait_for(visible, what, timeout)

    def wait_gone(self, locator: Locator, what: str, timeout: float | None = None) -> None:
        def gone(d: WebDriver) -> bool:
            return not any(e.is_displayed() for e in d.find_elements(*locator))

        self.wait_for(gone, what, timeout)

    # --- interaction ---------------------------------------------------------------
    def guard(self) -> None:
        """Run the adapter's guards (lock screen, error page, login page) at an interaction point."""
        for check in self.guards:
            check()

    def click(self, lookup: Callable[[], WebElement], what: str) -> None:
        """Click like a user, in one round trip; an overlay in the way runs the guards once.

        The script checks what WebDriver's click checks (attached, visible,
        enabled, not covered by another element such as a modal) and then
        dispatches mousedown, mouseup and click: the portal's handlers and its
        idle timer see a user's click, at a tenth of a WebDriver click's cost.
        """
        for attempt in range(2):
            outcome = self.retry_stale(lambda: self.js(_CLICK_JS, lookup()))
            if outcome == "ok":
                return
            if outcome == "stale":
                continue
            if attempt:
                raise PortalUnavailable(f"could not click {what} ({outcome})", page=self.page)
            self.guard()  # a lock screen or pop-up in the way is cleared here

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
