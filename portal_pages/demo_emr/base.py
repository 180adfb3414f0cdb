"""What every Demo EMR screen shares: which page we are on, and how an action ends.

The portal marks each screen with ``body[data-page]`` and ends every async
action the same way (SPEC.md, portal.js): the toast is shown last, with a new
``data-seq``; a 423 opens the lock screen instead; a 401 sends the browser to
the login page. ``wait_outcome`` turns those signals into one of: done, or a
typed failure (rejected / unavailable / session lost / locked).
"""

from __future__ import annotations

from dataclasses import dataclass

from selenium.common.exceptions import JavascriptException, WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.browser import Browser
from syncapp.errors import LockScreenStuck, PortalRejected, PortalSessionLost, PortalUnavailable

_STATE_JS = """
var b = document.body, t = document.getElementById('toast'), l = document.getElementById('lock-screen');
if (!b) { return null; }
var errors = [];
document.querySelectorAll('.field-error.show, .form-error.show').forEach(function (e) {
  errors.push([e.getAttribute('data-for') || 'form', e.textContent.trim()]);
});
return {
  page: b.getAttribute('data-page'),
  toast_seq: t ? t.getAttribute('data-seq') : null,
  toast_error: !!(t && t.classList.contains('toast-error')),
  locked: !!(l && l.classList.contains('open')),
  errors: errors
};
"""


class SaveLocked(LockScreenStuck):
    """A write answered 423: unlock and submit again."""


@dataclass(frozen=True)
class Mark:
    """Where the page's signals stood just before an action."""

    toast_seq: str | None
    net_seq: int


class DemoPage:
    """Base of the screens: ``PAGE`` is the ``body[data-page]`` value that identifies it."""

    PAGE = ""

    def __init__(self, b: Browser) -> None:
        self.b = b

    def state(self) -> dict | None:
        try:
            return self.b.js(_STATE_JS)
        except JavascriptException:
            return None  # the document is being replaced

    def current_page(self) -> str | None:
        st = self.state()
        return st["page"] if st else None

    def wait_loaded(self) -> None:
        """Wait until the browser shows this screen; error/login pages fail fast."""
        self.b.page = self.PAGE

        def on_page(d: WebDriver) -> bool:
            page = self.current_page()
            if page == "error":
                raise PortalUnavailable("the portal showed its error page", page=self.PAGE)
            if page == "login" and self.PAGE != "login":
                raise PortalSessionLost("the portal asked to log in again", page=self.PAGE)
            return page == self.PAGE

        self.b.wait_for(on_page, f"the {self.PAGE} page")
        self.b.settle(quiet_ms=0)  # the page's own start-up fetches have answered
        if self.PAGE != "login":
            self.b.guard()

    def mark(self) -> Mark:
        st = self.state() or {}
        return Mark(st.get("toast_seq"), self.b.request_seq())

    def wait_outcome(self, mark: Mark, *, what: str, leaves_page: bool = False) -> str:
        """Wait for the action started after ``mark`` to end; return ``"done"`` or raise.

        ``leaves_page``: success navigates to another screen (creating a chart).
        """

        def ended(d: WebDriver) -> str | None:
            try:
                st = self.state()
            except WebDriverException:
                return None
            if not st:
                return None
            page = st["page"]
            if page == "login":
                raise PortalSessionLost("session ended during a save", page=self.PAGE, step=what)
            if page == "error":
                raise PortalUnavailable(
                    "the portal showed its error page", page=self.PAGE, step=what
                )
            if page != self.PAGE:
                return "done" if leaves_page else None
            if st["toast_seq"] != mark.toast_seq and st["toast_seq"] is not None:
                if not st["toast_error"]:
                    return None if leaves_page else "done"
                if st["errors"]:
                    raise PortalRejected(
                        "the portal rejected the record: "
                        + "; ".join(msg for _, msg in st["errors"]),
                        page=self.PAGE,
                        step=what,
                        fields=[name for name, _ in st["errors"]],
                    )
                raise PortalUnavailable("the portal failed to save", page=self.PAGE, step=what)
            writes = [
                e for e in (self.b.requests_since(mark.net_seq) or []) if e.get("method") != "GET"
            ]
            if st["locked"] and any(e.get("status") == 423 for e in writes):
                raise SaveLocked("the portal was locked during a save", page=self.PAGE, step=what)
            return None

        return self.b.wait_for(ended, f"{what} to finish")
