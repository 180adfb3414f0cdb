"""The "What's new" pop-up that some logins show; it blocks clicks until dismissed."""

from __future__ import annotations

import logging

from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser

log = logging.getLogger(__name__)


class WhatsNewModal:
    _open = (By.CSS_SELECTOR, "#whats-new.open")
    _dismiss = (By.ID, "whats-new-dismiss")

    def __init__(self, b: Browser) -> None:
        self.b = b

    def dismiss_if_shown(self) -> None:
        if not self.b.present(self._open):
            return
        self.b.retry_stale(lambda: self.b.find(self._dismiss, what="what's-new dismiss").click())
        self.b.wait_gone(self._open, "the what's-new pop-up to close")
        log.info("what's-new pop-up dismissed", extra={"step": "whats_new"})
