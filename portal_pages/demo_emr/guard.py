"""The check run at every interaction point: right page, no lock screen, no pop-up.

One script reads the three signals at once (a round trip costs more than the
check), and only when something is wrong do the page objects act.
"""

from __future__ import annotations

from portal_pages.core.browser import Browser
from portal_pages.demo_emr.lock import LockScreen
from portal_pages.demo_emr.whats_new import WhatsNewModal
from syncapp.errors import PortalSessionLost, PortalUnavailable

_SIGNALS_JS = """
var b = document.body, l = document.getElementById('lock-screen'), w = document.getElementById('whats-new');
return [b ? b.getAttribute('data-page') : null,
        !!(l && l.classList.contains('open')),
        !!(w && w.classList.contains('open'))];
"""


class PortalGuard:
    """Callable guard installed into ``Browser.guards`` by the adapter."""

    def __init__(self, b: Browser, password: str) -> None:
        self.b = b
        self.lock = LockScreen(b, password)
        self.whats_new = WhatsNewModal(b)

    def __call__(self) -> None:
        page, locked, whats_new = self.b.js(_SIGNALS_JS)
        if page == "error":
            raise PortalUnavailable("the portal showed its error page", page=self.b.page)
        if page == "login":
            raise PortalSessionLost("the portal asked to log in again", page=self.b.page)
        if locked:
            self.lock.clear_if_shown()
        if whats_new:
            self.whats_new.dismiss_if_shown()
