"""A patient chart (``/patients/<mrn>``): header and four tabs loaded by ``fetch``.

``open_tab`` returns the tab's page object once its panel has loaded; a panel
that failed to load is retried with the portal's own Retry button, then
reported as ``PortalUnavailable``.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.demo_emr.base import DemoPage
from syncapp.errors import PortalUnavailable

TAB_NAMES = ("demographics", "guardians", "insurance", "notes")
LOAD_ATTEMPTS = 3


class NotFoundPage(DemoPage):
    PAGE = "not-found"


class ChartPage(DemoPage):
    PAGE = "chart"
    _mrn = (By.ID, "chart-mrn")
    _retry = (By.CSS_SELECTOR, ".retry-load")
    _panel_js = """
    var p = document.getElementById('tab-' + arguments[0]);
    var a = document.querySelector('#chart-tabs a.tab[data-tab="' + arguments[0] + '"]');
    if (!p || !a) { return null; }
    return {state: p.getAttribute('data-state'), active: p.classList.contains('active')};
    """

    @staticmethod
    def path(mrn: str, tab: str = "demographics") -> str:
        return f"/patients/{mrn}?tab={tab}"

    @staticmethod
    def _tab(name: str) -> tuple[str, str]:
        return (By.CSS_SELECTOR, f'#chart-tabs a.tab[data-tab="{name}"]')

    @staticmethod
    def _panel(name: str) -> tuple[str, str]:
        return (By.ID, f"tab-{name}")

    def mrn(self) -> str:
        return self.b.retry_stale(lambda: self.b.find(self._mrn, what="chart MRN").text.strip())

    def open_tab(self, name: str):
        """Show tab ``name`` and return its page object, content loaded."""
        from portal_pages.demo_emr.tabs import TAB_CLASSES

        self.b.page = f"chart/{name}"
        self.b.guard()
        if not (self.b.js(self._panel_js, name) or {}).get("active"):
            self.b.click(lambda: self.b.find(self._tab(name), what=f"{name} tab"), f"{name} tab")
        for _ in range(LOAD_ATTEMPTS):
            state = self._wait_panel(name)
            if state == "loaded":
                return TAB_CLASSES[name](self, name)
            panel = self.b.find(self._panel(name), what=f"{name} panel")
            self.b.click(lambda p=panel: self.b.find(self._retry, p, "retry button"), "retry")
        raise PortalUnavailable("a chart section did not load", page=self.b.page)

    def _wait_panel(self, name: str) -> str:
        def ready(d: WebDriver) -> str | None:
            page = self.current_page()
            if page != self.PAGE:
                self.b.guard()  # raises on the login / error page
                return None
            info = self.b.js(self._panel_js, name)
            if info is None:
                self.b.find(self._tab(name), what=f"{name} tab")  # PageChanged
            if info["active"] and info["state"] in ("loaded", "error"):
                return info["state"]
            return None

        return self.b.wait_for(ready, f"the {name} section to load")
