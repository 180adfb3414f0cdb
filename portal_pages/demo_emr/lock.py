"""The idle lock screen: an overlay that wants the password again.

It can appear at any moment (idle timer, or any write answered 423), so the
adapter runs ``clear_if_shown`` at every interaction point. Unlocking is
retried a few times (the unlock request itself can fail); an overlay that will
not go away is ``LockScreenStuck``, which is worth a later retry.
"""

from __future__ import annotations

import logging

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.browser import Browser
from portal_pages.core.fields import set_text
from syncapp.errors import LockScreenStuck, PortalRejected

log = logging.getLogger(__name__)
UNLOCK_ATTEMPTS = 3


class LockScreen:
    _overlay = (By.CSS_SELECTOR, "#lock-screen.open")
    _password = (By.ID, "lock-password")
    _unlock = (By.ID, "lock-unlock")
    _error = (By.CSS_SELECTOR, "#lock-error.show")

    _STATE_JS = """
    var l = document.getElementById('lock-screen'), e = document.getElementById('lock-error');
    if (!l || !l.classList.contains('open')) { return 'clear'; }
    if (e && e.classList.contains('show')) { return e.textContent.indexOf('Incorrect') >= 0 ? 'refused' : 'failed'; }
    return 'open';
    """

    def __init__(self, b: Browser, password: str) -> None:
        self.b = b
        self._secret = password

    def is_shown(self) -> bool:
        return self.b.js(self._STATE_JS) != "clear"

    def clear_if_shown(self) -> None:
        """Unlock if the overlay is open; ``LockScreenStuck`` if it stays."""
        for attempt in range(UNLOCK_ATTEMPTS):
            if not self.is_shown():
                if attempt:
                    log.info("lock screen cleared", extra={"step": "unlock", "attempt": attempt})
                return
            password = lambda: self.b.find(self._password, what="lock password")  # noqa: E731
            set_text(self.b, password, self._secret, "lock_password")
            seq = self.b.request_seq()
            self.b.retry_stale(lambda: self.b.find(self._unlock, what="unlock button").click())

            def answered(d: WebDriver, seq: int = seq) -> str | None:
                done = any(e.get("path") == "/api/unlock" for e in self.b.requests_since(seq) or [])
                st = self.b.js(self._STATE_JS)
                return st if done or st == "clear" else None

            st = self.b.wait_for(answered, "the lock screen to answer", timeout=self.b.timeout)
            if st == "refused":
                raise PortalRejected(
                    "the portal refused the password at the lock screen", page="lock"
                )
        if self.is_shown():
            raise LockScreenStuck("the lock screen did not clear", page="lock")
