"""The idle lock screen: an overlay that wants the password again.

It can appear at any moment (idle timer, or any write answered 423), so the
session guard (``guard.py``) checks for it at every interaction point and,
through core's policy, asks this region to unlock (a few attempts; an overlay
that will not go away is ``LockScreenStuck``, worth a later retry).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.fields import set_text
from portal_pages.core.guard import UnlockOutcome
from portal_pages.core.page import Region, css

_UNLOCK_API = "/api/unlock"

# arguments: open overlay, shown error. 'clear' | 'refused' | 'failed' | 'open'.
_STATE_JS = """
if (!document.querySelector(arguments[0])) { return 'clear'; }
var e = document.querySelector(arguments[1]);
if (e) { return e.textContent.indexOf('Incorrect') >= 0 ? 'refused' : 'failed'; }
return 'open';
"""


class LockScreen(Region):
    _root = (By.ID, "lock-screen")
    open_locator = (By.CSS_SELECTOR, "#lock-screen.open")  # also read by the page state
    _password = (By.ID, "lock-password")
    _unlock = (By.ID, "lock-unlock")
    _error = (By.CSS_SELECTOR, "#lock-error.show")

    def status(self) -> str:
        return self.browser.js(
            _STATE_JS, css(self.open_locator), css(self._error), owner="LockScreen"
        )

    def unlock(self, password: str) -> UnlockOutcome:
        """Type the password, press Unlock, wait for the portal's answer."""
        set_text(self.browser, lambda: self.find(self._password, "lock password"), password, "lock")
        seq = self.browser.request_seq()
        self.browser.retry_stale(lambda: self.find(self._unlock, "unlock button").click())

        def answered(d: WebDriver) -> str | None:
            done = any(e.get("path") == _UNLOCK_API for e in self.browser.requests_since(seq) or [])
            st = self.status()
            return st if done or st == "clear" else None

        st = self.browser.wait_for(answered, "the lock screen to answer")
        return st if st in ("clear", "refused") else "failed"  # type: ignore[return-value]
