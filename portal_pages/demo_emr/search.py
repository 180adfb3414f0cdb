"""Patient search (``/patients``): results arrive by ``fetch`` after the form is submitted."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.fields import set_masked_date, set_text
from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.forms import to_portal_date
from syncapp.errors import PortalUnavailable

_SEARCH_API = "/api/patients/search"


class SearchPage(DemoPage):
    PAGE = "search"
    PATH = "/patients"
    _last = (By.ID, "search-last")
    _first = (By.ID, "search-first")
    _dob = (By.ID, "search-dob")
    _submit = (By.ID, "search-submit")
    _results = (By.ID, "search-results")
    _hits_js = """
    var t = document.getElementById('search-results');
    if (!t) { return null; }
    return {state: t.getAttribute('data-state'),
            mrns: Array.from(t.querySelectorAll('tbody tr.result-row')).map(function (r) {
              return r.getAttribute('data-mrn'); })};
    """

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        """MRNs of the exact matches (the portal matches each field case-insensitively)."""
        self.wait_loaded()
        self.b.find(self._results, what="results table")
        set_text(self.b, lambda: self.b.find(self._last, what="last name"), last_name, "last")
        set_text(self.b, lambda: self.b.find(self._first, what="first name"), first_name, "first")
        dob = to_portal_date(date_of_birth)
        set_masked_date(self.b, lambda: self.b.find(self._dob, what="date of birth"), dob, "dob")
        self.b.guard()
        seq = self.b.request_seq()
        self.b.click(lambda: self.b.find(self._submit, what="search button"), "search")

        def answered(d: WebDriver) -> dict | None:
            self.b.guard()
            done = any(e.get("path") == _SEARCH_API for e in self.b.requests_since(seq) or [])
            hits = self.b.js(self._hits_js)
            return hits if done and hits and hits["state"] != "loading" else None

        hits = self.b.wait_for(answered, "search results")
        if hits["state"] != "loaded":
            raise PortalUnavailable("the patient search failed", page=self.PAGE)
        return list(hits["mrns"])
