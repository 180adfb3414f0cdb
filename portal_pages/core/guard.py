"""The session guard: what core runs at every interaction point, and what adapters implement.

A real EMR interrupts a session in a few ways: an idle lock screen or a
password re-prompt (the Demo EMR's overlay, Tryton's "password needed"
dialog after 300 s idle), a pop-up that blocks clicks, a full log-out back to
the login screen, an error page. Core owns the policy (what each of those
means for the job, how often unlocking is tried, which error kind is raised);
an adapter owns only the reading and the clicking, by implementing the four
abstract methods below for its own markup.

``Browser.guard()`` calls ``check()``; ``Page.open()`` calls ``sign_in()`` when
a page load lands on the login screen.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

from portal_pages.core.browser import Browser
from syncapp import steps
from syncapp.errors import LockScreenStuck, PortalRejected, PortalSessionLost, PortalUnavailable

log = logging.getLogger(__name__)

UnlockOutcome = Literal["clear", "refused", "failed"]


@dataclass(frozen=True)
class GuardState:
    """What one look at the page says (read in one round trip)."""

    error_page: bool = False  # the portal shows its error page
    logged_out: bool = False  # the portal shows its login screen
    locked: bool = False  # a lock screen / password re-prompt is open
    popup: bool = False  # a dismissible pop-up blocks clicks


class SessionGuard(ABC):
    """Keeps one portal session usable; subclass per adapter.

    ``check()`` raises ``PortalUnavailable`` on an error page, ``PortalSessionLost``
    on the login screen (the step is retried after ``recover``, which signs in),
    unlocks a lock screen (``LockScreenStuck`` if it stays, ``PortalRejected``
    when the password is refused: a person must fix the configuration) and
    dismisses pop-ups.
    """

    unlock_attempts = 3

    def __init__(self, browser: Browser, username: str, password: str) -> None:
        self.browser = browser
        self.username = username
        self._secret = password

    # --- what an adapter implements --------------------------------------------------
    @abstractmethod
    def state(self) -> GuardState:
        """Read the page's signals in one script."""

    @abstractmethod
    def unlock(self, password: str) -> UnlockOutcome:
        """Answer the open lock screen / re-prompt once and wait for the portal's answer."""

    @abstractmethod
    def sign_in(self) -> None:
        """Log in from the login screen; ``PortalRejected`` when the credentials are refused."""

    def dismiss_popup(self) -> None:  # noqa: B027 - optional hook, most portals have none
        """Close a blocking pop-up (default: the adapter's portal has none)."""

    # --- the policy, shared by every adapter ------------------------------------------
    def check(self) -> None:
        state = self.state()
        page = self.browser.page
        if state.error_page:
            raise PortalUnavailable("the portal showed its error page", page=page)
        if state.logged_out:
            raise PortalSessionLost("the portal asked to log in again", page=page)
        if state.locked:
            self.clear_lock()
        if state.popup:
            self.dismiss_popup()

    def clear_lock(self) -> None:
        """Unlock if locked; ``LockScreenStuck`` if it stays, ``PortalRejected`` if refused."""
        for attempt in range(self.unlock_attempts):
            if not self.state().locked:
                if attempt:
                    log.info("lock screen cleared", extra={"step": "unlock", "attempt": attempt})
                    steps.count("lock_screen_recoveries")
                return
            if self.unlock(self._secret) == "refused":
                raise PortalRejected(
                    "the portal refused the password at the lock screen", page="lock"
                )
        if self.state().locked:
            raise LockScreenStuck("the lock screen did not clear", page="lock")
        log.info("lock screen cleared", extra={"step": "unlock", "attempt": self.unlock_attempts})
        steps.count("lock_screen_recoveries")
