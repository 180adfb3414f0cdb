"""The "What's new" pop-up that some logins show; it blocks clicks until dismissed."""

from __future__ import annotations

import logging

from selenium.webdriver.common.by import By

from portal_pages.core.page import Region

log = logging.getLogger(__name__)


class WhatsNewModal(Region):
    _root = (By.ID, "whats-new")
    open_locator = (By.CSS_SELECTOR, "#whats-new.open")  # also read by the guard
    _dismiss = (By.ID, "whats-new-dismiss")

    def dismiss(self) -> None:
        if not self.browser.present(self.open_locator):
            return
        self.browser.retry_stale(lambda: self.find(self._dismiss, "what's-new dismiss").click())
        self.browser.wait_gone(self.open_locator, "the what's-new pop-up to close")
        log.info("what's-new pop-up dismissed", extra={"step": "whats_new"})
