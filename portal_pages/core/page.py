"""The page-object idiom every adapter follows: pages that open themselves, regions with a root.

* A ``Page`` is one screen. If it has a URL of its own, ``path()`` returns it
  and ``open()`` is the only way it is loaded (log in on the way if the portal
  asks, then ``wait_loaded()``); a page without a URL is reached only by
  navigation from another page object, which then calls ``wait_loaded()``.
* A ``Region`` is a part of a page with its own root locator (a chart tab, a
  modal, a widget); the root is looked up again on every use, so a re-render
  never leaves a stale root behind, and all its lookups are scoped to it. A
  top-level region resolves its root inside the same WebDriver command as the
  lookup or script that needs it (one round trip, not two: on a hosted EMR a
  command costs a round trip to the browser, and a job makes dozens).
* Locators are private class attributes and live once. Scripts receive
  selectors as arguments instead of spelling them again, and run through
  ``script()``, which names the page object if the script throws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import Browser, Locator

Lookup = Callable[[], WebElement]


def css(locator: Locator) -> str:
    """The CSS selector of a ``(By.CSS_SELECTOR | By.ID, ...)`` locator, for scripts."""
    how, what = locator
    if how == "css selector":
        return what
    if how == "id":
        return f"#{what}"
    raise ValueError(f"locator {how!r} cannot be passed to a script")


class Page:
    """One screen; subclasses set ``name`` and implement ``wait_loaded``."""

    name = ""
    reload = False  # single-page apps: force a real reload when only the '#' part changes

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def path(self) -> str | None:
        """The screen's own URL path; ``None``: reached only by navigation."""
        return None

    def open(self) -> Self:
        """Load the screen by its URL, signing in if the portal asks; return it loaded."""
        path = self.path()
        if path is None:
            raise TypeError(f"{type(self).__name__} is reached only by navigation")
        self.browser.page = self.name
        self.browser.goto(path, reload=self.reload)
        if self.on_login_screen():
            self.browser.sign_in()
        self.wait_loaded()
        return self

    def on_login_screen(self) -> bool:
        """Did the load land on the login screen? (adapters whose portals redirect override)"""
        return False

    def wait_loaded(self) -> None:
        raise NotImplementedError

    def script(self, js: str, *args: Any) -> Any:
        return self.browser.js(js, *args, owner=type(self).__name__)


class Region:
    """A part of a page with its own root, found again on every use.

    ``within``: the parent's root (a region inside a region); default the document.
    """

    _root: Locator

    def __init__(self, browser: Browser, within: Lookup | None = None) -> None:
        self.browser = browser
        self._within = within

    def root(self) -> WebElement:
        parent = self._within() if self._within is not None else None
        return self.browser.find(self._root, parent, what=type(self).__name__)

    def _rooted(self) -> bool:
        """Can the root be resolved in the page (a top-level region with a CSS or id root)?"""
        return self._within is None and self._root[0] in ("css selector", "id")

    def find(self, locator: Locator, what: str = "") -> WebElement:
        if self._rooted():
            return self.browser.find_path([(self._root, type(self).__name__), (locator, what)])
        return self.browser.find(locator, self.root(), what)

    def script(self, js: str, *args: Any) -> Any:
        """Run ``js`` with the region's root as ``arguments[0]``."""
        owner = type(self).__name__
        if self._rooted():
            return self.browser.js_rooted(js, (self._root, owner), *args, owner=owner)
        return self.browser.js(js, self.root(), *args, owner=owner)
