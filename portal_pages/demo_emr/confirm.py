"""The portal's "Please confirm" dialog, shown before any removal."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser


class ConfirmModal:
    _open = (By.CSS_SELECTOR, "#confirm-modal.open")
    _yes = (By.ID, "confirm-yes")

    def __init__(self, b: Browser) -> None:
        self.b = b

    def accept(self) -> None:
        self.b.wait_visible(self._open, "the confirm dialog")
        self.b.click(lambda: self.b.find(self._yes, what="confirm button"), "confirm")
