"""What every Demo EMR screen shares: which page we are on, and how an action ends.

The portal marks each screen with ``body[data-page]`` and ends every async
action the same way (``sandbox/emr_portal/SPEC.md``): the toast is shown last,
with a new ``data-seq``; a 423 opens the lock screen instead; a 401 sends the
browser to the login page. ``wait_outcome`` turns those signals into one of:
done, or a typed failure (rejected / unavailable / session lost / locked).
"""

from __future__ import annotations

from dataclasses import dataclass

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.browser import DocumentReplaced
from portal_pages.core.inpage import wait_in_page, wait_script
from portal_pages.core.page import Page, css
from portal_pages.demo_emr.lock import LockScreen
from portal_pages.demo_emr.whats_new import WhatsNewModal
from syncapp.errors import (
    ChartNotFound,
    LockScreenStuck,
    PortalRejected,
    PortalSessionLost,
    PortalUnavailable,
)

PAGE_ATTRIBUTE = "data-page"  # on <body>: which screen this is

# arguments: page attribute, toast, open lock screen, shown field errors.
_STATE_JS = """
var b = document.body, t = document.querySelector(arguments[1]);
if (!b) { return null; }
var errors = [];
document.querySelectorAll(arguments[3]).forEach(function (e) {
  errors.push([e.getAttribute('data-for') || 'form', e.textContent.trim()]);
});
return {
  page: b.getAttribute(arguments[0]),
  toast_seq: t ? t.getAttribute('data-seq') : null,
  toast_error: !!(t && t.classList.contains('toast-error')),
  locked: !!document.querySelector(arguments[2]),
  errors: errors
};
"""


# The same signals as an in-page save's conditions (``core.submit``); ``a`` holds the
# selectors of ``DemoPage.submit_args``. Something in the way -> a reason, else null.
SUBMIT_BLOCKED_JS = """
var b = document.body;
if (!b) { return 'loading'; }
if (b.getAttribute(a.page_attr) !== a.page) { return 'page'; }
if (document.querySelector(a.lock) || document.querySelector(a.popup)) { return 'guard'; }
return null;
"""
SUBMIT_MARK_JS = """
var t = document.querySelector(a.toast);
return {toast: t ? t.getAttribute('data-seq') : null, net: window.__ppNet ? window.__ppNet.seq : 0};
"""
# How the save ended, as ``wait_outcome`` reads it: null while it runs.
SUBMIT_ENDED_JS = """
var b = document.body;
if (!b) { return null; }
var page = b.getAttribute(a.page_attr);
if (page === 'login') { return {kind: 'login'}; }
if (page === 'error') { return {kind: 'error'}; }
if (page !== a.page) { return a.leaves_page ? {kind: 'done'} : null; }
var t = document.querySelector(a.toast), seq = t ? t.getAttribute('data-seq') : null;
if (seq !== m.toast && seq !== null) {
  if (!t.classList.contains('toast-error')) { return {kind: 'done'}; }  // then it navigates
  var errors = [];
  document.querySelectorAll(a.field_errors).forEach(function (e) {
    errors.push([e.getAttribute('data-for') || 'form', e.textContent.trim()]);
  });
  return errors.length ? {kind: 'rejected', errors: errors} : {kind: 'failed'};
}
var net = window.__ppNet;
if (document.querySelector(a.lock) && net && net.log.some(function (e) {
  return e.id > m.net && e.method !== 'GET' && e.status === 423;
})) { return {kind: 'locked'}; }
return null;
"""


# In-page wait for a screen (``args`` = ``submit_args()``): ends on the screen, loaded
# with no request in flight, or on a screen that means failure.
_LOADED_JS = wait_script(
    """
var b = document.body;
if (!b) { return null; }
var page = b.getAttribute(args.page_attr);
if (page === 'error' || page === 'not-found' || (page === 'login' && args.page !== 'login')) {
  return {page: page};
}
var net = window.__ppNet;
if (page !== args.page || document.readyState !== 'complete' || (net && net.inflight > 0)) {
  return null;
}
return {page: page, guard: !!(document.querySelector(args.lock) || document.querySelector(args.popup))};
"""
)


class SaveLocked(LockScreenStuck):
    """A write answered 423: unlock and submit again."""


@dataclass(frozen=True)
class Mark:
    """Where the page's signals stood just before an action."""

    toast_seq: str | None
    net_seq: int


class DemoPage(Page):
    """Base of the screens: ``name`` is the ``body[data-page]`` value that identifies it."""

    PATH: str | None = None
    _toast = (By.ID, "toast")
    _field_errors = (By.CSS_SELECTOR, ".field-error.show, .form-error.show")

    def path(self) -> str | None:
        return self.PATH

    def state(self) -> dict | None:
        return self.script(
            _STATE_JS,
            PAGE_ATTRIBUTE,
            css(self._toast),
            css(LockScreen.open_locator),
            css(self._field_errors),
        )

    def submit_args(self) -> dict[str, str]:
        """The selectors the in-page save conditions read (``SUBMIT_*_JS``)."""
        return {
            "page_attr": PAGE_ATTRIBUTE,
            "page": self.name,
            "toast": css(self._toast),
            "lock": css(LockScreen.open_locator),
            "popup": css(WhatsNewModal.open_locator),
            "field_errors": css(self._field_errors),
        }

    def current_page(self) -> str | None:
        st = self.state()
        return st["page"] if st else None

    def on_login_screen(self) -> bool:
        return self.name != "login" and self.current_page() == "login"

    def wait_loaded(self) -> None:
        """Wait until the browser shows this screen; error/login/not-found pages fail fast.

        One in-page wait (``core.inpage``): the screen, loaded, its start-up
        fetches answered; the guard runs only if a lock screen or pop-up is up.
        If the document is replaced under the wait, the polled look takes over.
        """
        self.browser.page = self.name
        try:
            info = wait_in_page(
                self.browser,
                _LOADED_JS,
                self.submit_args(),
                what=f"the {self.name} page",
                owner=type(self).__name__,
            )
        except DocumentReplaced:
            self._wait_loaded_polled()
            return
        page = info["page"]
        if page == "error":
            raise PortalUnavailable("the portal showed its error page", page=self.name)
        if page == "login" and self.name != "login":
            raise PortalSessionLost("the portal asked to log in again", page=self.name)
        if page == "not-found":
            raise ChartNotFound("the portal does not know this EMR patient id", page=self.name)
        if info.get("guard") and self.name != "login":
            self.browser.guard()

    def _wait_loaded_polled(self) -> None:
        def on_page(d: WebDriver) -> bool:
            page = self.current_page()
            if page == "error":
                raise PortalUnavailable("the portal showed its error page", page=self.name)
            if page == "login" and self.name != "login":
                raise PortalSessionLost("the portal asked to log in again", page=self.name)
            if page == "not-found":
                raise ChartNotFound("the portal does not know this EMR patient id", page=self.name)
            return page == self.name

        self.browser.wait_for(on_page, f"the {self.name} page")
        self.browser.settle(quiet_ms=0)  # the page's own start-up fetches have answered
        if self.name != "login":
            self.browser.guard()

    def mark(self) -> Mark:
        st = self.state() or {}
        return Mark(st.get("toast_seq"), self.browser.request_seq())

    def wait_outcome(self, mark: Mark, *, what: str, leaves_page: bool = False) -> str:
        """Wait for the action started after ``mark`` to end; return ``"done"`` or raise.

        ``leaves_page``: success navigates to another screen (creating a chart).
        """

        def ended(d: WebDriver) -> str | None:
            st = self.state()
            if not st:
                return None
            page = st["page"]
            if page == "login":
                raise PortalSessionLost("session ended during a save", page=self.name, step=what)
            if page == "error":
                raise PortalUnavailable(
                    "the portal showed its error page", page=self.name, step=what
                )
            if page != self.name:
                return "done" if leaves_page else None
            if st["toast_seq"] != mark.toast_seq and st["toast_seq"] is not None:
                if not st["toast_error"]:
                    return None if leaves_page else "done"
                if st["errors"]:
                    raise PortalRejected(
                        "the portal rejected the record: "
                        + "; ".join(msg for _, msg in st["errors"]),
                        page=self.name,
                        step=what,
                        fields=[name for name, _ in st["errors"]],
                    )
                raise PortalUnavailable("the portal failed to save", page=self.name, step=what)
            writes = [
                e
                for e in (self.browser.requests_since(mark.net_seq) or [])
                if e.get("method") != "GET"
            ]
            if st["locked"] and any(e.get("status") == 423 for e in writes):
                raise SaveLocked("the portal was locked during a save", page=self.name, step=what)
            return None

        return self.browser.wait_for(ended, f"{what} to finish")
