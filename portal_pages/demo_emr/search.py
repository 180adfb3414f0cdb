"""Patient search (``/patients``): results arrive by ``fetch`` after the form is submitted.

One round trip (``core.submit``, as a record form's save): the script checks
that nothing is in the way, fills the three fields read-before-write, clicks
Search and waits inside the page until the search request has answered and the
table has left its loading state, then returns the hits. The same search twice
in a row is still sent (``force``): the fields hold last time's values.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.page import css
from portal_pages.core.submit import submit, submit_script
from portal_pages.core.values import to_portal_date
from portal_pages.demo_emr.base import SUBMIT_BLOCKED_JS, SUBMIT_MARK_JS, DemoPage
from syncapp.errors import PageChanged, PortalUnavailable

_SEARCH_API = "/api/patients/search"
_MRN = "data-mrn"
GUARD_ATTEMPTS = 5  # a lock screen or pop-up in the way is cleared, then the search sent again

# Ended: the search request sent after the mark has answered and the table is not loading.
_ANSWERED_JS = """
var b = document.body;
if (!b) { return null; }
if (b.getAttribute(a.page_attr) !== a.page) { return {kind: 'page'}; }
var net = window.__ppNet, t = document.querySelector(a.results);
if (!t) { return {kind: 'missing'}; }
var done = !!net && net.log.some(function (e) { return e.id > m.net && e.path === a.api; });
var state = t.getAttribute('data-state');
if (!done || state === 'loading') { return null; }
return {kind: 'answered', state: state, mrns: Array.from(t.querySelectorAll(a.rows)).map(
  function (r) { return r.getAttribute(a.mrn); })};
"""
_SEARCH_JS = submit_script(blocked=SUBMIT_BLOCKED_JS, mark=SUBMIT_MARK_JS, ended=_ANSWERED_JS)


class SearchPage(DemoPage):
    name = "search"
    PATH = "/patients"
    _form = (By.ID, "patient-search")
    _submit = (By.ID, "search-submit")
    _results = (By.ID, "search-results")
    _result_rows = (By.CSS_SELECTOR, "tbody tr.result-row")

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        """MRNs of the exact matches (the portal matches each field case-insensitively)."""
        browser = self.browser
        fields: list[tuple[str, str, str | bool]] = [
            ("last", "text", last_name),
            ("first", "text", first_name),
            ("dob", "text", to_portal_date(date_of_birth)),
        ]
        args = {
            **self.submit_args(),
            "results": css(self._results),
            "rows": css(self._result_rows),
            "mrn": _MRN,
            "api": _SEARCH_API,
        }
        for _ in range(GUARD_ATTEMPTS):
            sub = submit(
                browser,
                lambda: browser.find(self._form, what="search form"),
                fields,
                script=_SEARCH_JS,
                save=css(self._submit),
                args=args,
                force=True,
                owner="SearchPage",
                what="search",
            )
            if sub.status in ("blocked", "not-clicked"):
                browser.guard()  # clears a lock screen or pop-up; raises on login/error pages
                continue
            outcome = sub.outcome or {}
            if outcome.get("kind") == "missing":
                raise PageChanged("expected element missing: results table", page=self.name)
            if outcome.get("kind") == "page":
                browser.guard()  # the login or error page: raises the matching failure
                raise PortalUnavailable("the search left the search page", page=self.name)
            if outcome.get("state") != "loaded":
                raise PortalUnavailable("the patient search failed", page=self.name)
            return list(outcome["mrns"])
        raise PortalUnavailable("the search kept being interrupted", page=self.name)
