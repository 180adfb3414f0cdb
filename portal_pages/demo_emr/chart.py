"""A patient chart (``/patients/<mrn>``): header and four tabs loaded by ``fetch``.

As soon as a chart is on screen, before its first section has answered, one
script asks for every section at once (``prefetch``): it clicks each tab whose
panel is not loaded yet and then the active one again, so the portal's own
code fetches all panels in parallel, in the round trip of the first; a sync
then reads them one after another at no extra round trip to the portal.

``open_tab`` shows a tab and returns its region once its panel has loaded, in
one script when the panel is there (guard signals, panel state and the tab
click together) plus one in-page wait when it is not; a panel that failed to
load is retried with the portal's own Retry button, then reported as
``PortalUnavailable``. The panel's selector is the tab region's root locator.
"""

from __future__ import annotations

import re
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser, DocumentReplaced
from portal_pages.core.inpage import wait_in_page, wait_script
from portal_pages.core.page import css
from portal_pages.demo_emr.base import PAGE_ATTRIBUTE, DemoPage
from portal_pages.demo_emr.lock import LockScreen
from portal_pages.demo_emr.tab import ChartTab
from portal_pages.demo_emr.whats_new import WhatsNewModal
from syncapp.errors import PageChanged, PortalUnavailable

T = TypeVar("T", bound=ChartTab)
LOAD_ATTEMPTS = 3
SHOW_ATTEMPTS = 5  # a lock screen or pop-up in the way is cleared by the guard, then again

# The signals every tab script checks first; ``a`` = {page_attr, page, lock, popup,
# link, panel}. Anything in the way (another screen, lock screen, pop-up) -> 'guard'.
_SIGNALS = """
var b = document.body;
if (!b || b.getAttribute(a.page_attr) !== a.page) { return {guard: true}; }
if (document.querySelector(a.lock) || document.querySelector(a.popup)) { return {guard: true}; }
var link = document.querySelector(a.link), panel = document.querySelector(a.panel);
if (!link || !panel) { return {missing: true}; }
"""

# Show the tab (a click on its link, as a user would) unless it is the active one.
_SHOW_JS = (
    "var a = arguments[0];"
    + _SIGNALS
    + """
if (!panel.classList.contains('active')) {
  link.scrollIntoView({block: 'center'});
  var r = link.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
  var top = document.elementFromPoint(x, y);
  if (!top || !(top === link || link.contains(top))) { return {covered: true}; }
  var opts = {bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0};
  link.dispatchEvent(new MouseEvent('mousedown', opts));
  link.dispatchEvent(new MouseEvent('mouseup', opts));
  link.click();
}
return {state: panel.getAttribute('data-state'), active: panel.classList.contains('active')};
"""
)

# In-page wait: the active panel has loaded (or failed), or something needs the guard.
_PANEL_DONE = wait_script(
    "var a = args;"
    + _SIGNALS
    + """
var state = panel.getAttribute('data-state');
if (panel.classList.contains('active') && (state === 'loaded' || state === 'error')) {
  return {state: state};
}
return null;
"""
)

# arguments: tab links, panel selector template ('%s' = tab name), tab attribute, MRN,
# page attribute, chart page name. Nothing unless this is the chart. Click every tab
# whose panel is not loaded, then the active one again: the portal's own code fetches
# each panel once (it ignores a second click while fetching). The MRN is read first,
# in the same script: a fetch answered 401 may take the page away.
_PREFETCH_JS = """
if (!document.body || document.body.getAttribute(arguments[4]) !== arguments[5]) {
  return {asked: 0, mrn: null};
}
var mrn = document.querySelector(arguments[3]);
mrn = mrn ? mrn.textContent.trim() : null;
var links = document.querySelectorAll(arguments[0]), template = arguments[1], attr = arguments[2];
var active = null, n = 0;
links.forEach(function (link) {
  var name = link.getAttribute(attr);
  var panel = document.querySelector(template.split('%s').join(CSS.escape(name)));
  if (!panel) { return; }
  if (panel.classList.contains('active')) { active = link; }
  if (panel.getAttribute('data-state') !== 'loaded') { link.click(); n += 1; }
});
if (active && n) { active.click(); }
return {asked: n, mrn: mrn};
"""


class ChartPage(DemoPage):
    """Opened by MRN (``ChartPage(browser, mrn).open()``) or reached by creating a patient."""

    name = "chart"
    _mrn = (By.ID, "chart-mrn")
    _retry = (By.CSS_SELECTOR, ".retry-load")
    _tab_links = (By.CSS_SELECTOR, "#chart-tabs a.tab")
    _TAB_ATTRIBUTE = "data-tab"
    _PANEL_TEMPLATE = "#tab-%s"

    def __init__(self, browser: Browser, mrn: str | None = None) -> None:
        super().__init__(browser)
        self._open_mrn = mrn
        self._shown_mrn: str | None = None  # read from the header when the chart loaded

    def path(self) -> str | None:
        return f"/patients/{self._open_mrn}?tab=demographics" if self._open_mrn else None

    @staticmethod
    def mrn_in_address(url: str) -> str | None:
        """The MRN a chart's address names (``.../patients/<mrn>``); ``None`` for another page."""
        found = re.search(r"/patients/([^/]+)$", urlsplit(url).path)
        mrn = unquote(found.group(1)) if found else None
        return mrn if mrn and mrn != "new" else None

    @classmethod
    def _tab_link(cls, name: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, f'{css(cls._tab_links)}[{cls._TAB_ATTRIBUTE}="{name}"]')

    def wait_loaded(self) -> None:
        try:
            self.prefetch()  # first: the sections load while the first one does
        except DocumentReplaced:
            pass  # still navigating: the wait below looks again
        super().wait_loaded()

    def prefetch(self) -> int:
        """Ask for every section not loaded yet, at once; returns how many were asked for."""
        info = self.script(
            _PREFETCH_JS,
            css(self._tab_links),
            self._PANEL_TEMPLATE,
            self._TAB_ATTRIBUTE,
            css(self._mrn),
            PAGE_ATTRIBUTE,
            self.name,
        )
        self._shown_mrn = info.get("mrn") or None
        return int(info.get("asked") or 0)

    def mrn(self) -> str:
        """The chart's MRN, as its header showed it when the chart loaded.

        A chart reached at its address must show the MRN the address names: another
        one means the page objects no longer read this portal right (``PageChanged``).
        """
        browser = self.browser
        shown = self._shown_mrn or browser.retry_stale(
            lambda: browser.find(self._mrn, what="chart MRN").text.strip()
        )
        if self._open_mrn and shown != self._open_mrn:
            raise PageChanged("the chart header shows another MRN than its address", page="chart")
        return shown

    def open_tab(self, tab_cls: type[T]) -> T:
        """Show the tab and return its region, content loaded."""
        name, browser = tab_cls.tab, self.browser
        browser.page = f"chart/{name}"
        for _ in range(LOAD_ATTEMPTS):
            if self._show(tab_cls) == "loaded":
                return tab_cls(self)
            panel = tab_cls(self)
            browser.click(lambda p=panel: p.find(self._retry, "retry button"), "retry")
        raise PortalUnavailable("a chart section did not load", page=browser.page)

    def _signals(self, tab_cls: type[ChartTab]) -> dict[str, str]:
        return {
            "page_attr": PAGE_ATTRIBUTE,
            "page": self.name,
            "lock": css(LockScreen.open_locator),
            "popup": css(WhatsNewModal.open_locator),
            "link": css(self._tab_link(tab_cls.tab)),
            "panel": css(tab_cls._root),
        }

    def _show(self, tab_cls: type[ChartTab]) -> str:
        """Show the tab and wait for its panel: ``loaded`` or ``error``."""
        name, browser, args = tab_cls.tab, self.browser, self._signals(tab_cls)
        for _ in range(SHOW_ATTEMPTS):
            info = self.script(_SHOW_JS, args)
            if not (info.get("guard") or info.get("covered") or info.get("missing")):
                if info["active"] and info["state"] in ("loaded", "error"):
                    return info["state"]
                info = wait_in_page(
                    browser,
                    _PANEL_DONE,
                    args,
                    what=f"the {name} section to load",
                    owner=type(self).__name__,
                )
                if "state" in info:
                    return info["state"]
            if info.get("missing"):
                raise PageChanged(f"expected element missing: {name} tab", page=browser.page)
            if info.get("covered"):  # e.g. a closing modal: wait it out like a user
                link = self._tab_link(name)
                browser.click(lambda lk=link: browser.find(lk, what=f"{name} tab"), f"{name} tab")
                continue
            browser.guard()  # raises on the login / error page; clears a lock or pop-up
        raise PortalUnavailable(f"could not show the {name} tab", page=browser.page)
