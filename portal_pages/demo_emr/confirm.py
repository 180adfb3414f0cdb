"""The portal's "Please confirm" dialog, shown before any removal."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.page import Region


class ConfirmModal(Region):
    _root = (By.CSS_SELECTOR, "#confirm-modal.open")
    _yes = (By.ID, "confirm-yes")

    def accept(self) -> None:
        self.browser.wait_visible(self._root, "the confirm dialog")
        self.browser.click(lambda: self.find(self._yes, "confirm button"), "confirm")
