"""The Demo EMR's session guard: core's ``SessionGuard`` for this portal's markup.

One script reads every signal at once (a round trip costs more than the
check); only when something is wrong do the page objects act.
"""

from __future__ import annotations

from portal_pages.core.guard import GuardState, SessionGuard, UnlockOutcome
from portal_pages.core.page import css
from portal_pages.demo_emr.base import PAGE_ATTRIBUTE
from portal_pages.demo_emr.lock import LockScreen
from portal_pages.demo_emr.login import LoginPage
from portal_pages.demo_emr.whats_new import WhatsNewModal

# arguments: page attribute, open lock screen, open what's-new pop-up.
_SIGNALS_JS = """
var b = document.body;
return [b ? b.getAttribute(arguments[0]) : null,
        !!document.querySelector(arguments[1]), !!document.querySelector(arguments[2])];
"""


class DemoGuard(SessionGuard):
    def state(self) -> GuardState:
        page, locked, popup = self.browser.js(
            _SIGNALS_JS,
            PAGE_ATTRIBUTE,
            css(LockScreen.open_locator),
            css(WhatsNewModal.open_locator),
            owner="DemoGuard",
        )
        return GuardState(
            error_page=page == "error", logged_out=page == "login", locked=locked, popup=popup
        )

    def unlock(self, password: str) -> UnlockOutcome:
        return LockScreen(self.browser).unlock(password)

    def sign_in(self) -> None:
        # The portal remembers where we were going (``next=``) and returns us there.
        LoginPage(self.browser).log_in(self.username, self._secret)

    def dismiss_popup(self) -> None:
        WhatsNewModal(self.browser).dismiss()
