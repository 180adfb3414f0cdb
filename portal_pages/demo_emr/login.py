"""The login screen (``/login``): username, password, CSRF handled by the form itself."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.core.fields import set_text
from portal_pages.demo_emr.base import DemoPage
from syncapp.errors import PortalRejected, PortalUnavailable


class LoginPage(DemoPage):
    name = "login"
    PATH = "/login"
    _username = (By.ID, "username")
    _password = (By.ID, "password")
    _submit = (By.ID, "login-submit")
    _error = (By.ID, "login-error")

    def log_in(self, username: str, password: str) -> str:
        """Submit the credentials; return the page we land on.

        ``PortalRejected`` when the portal refuses them (a person must fix the
        configuration); ``PortalUnavailable`` on the error page.
        """
        browser = self.browser
        self.wait_loaded()
        set_text(browser, lambda: browser.find(self._username, what="username"), username, "user")
        set_text(browser, lambda: browser.find(self._password, what="password"), password, "pass")
        browser.retry_stale(lambda: browser.find(self._submit, what="login button").click())

        def landed(d: WebDriver) -> str | None:
            page = self.current_page()
            if page == "login":
                return "refused" if browser.present(self._error) else None
            return page

        page = browser.wait_for(landed, "the login to complete")
        if page == "refused":
            raise PortalRejected("the portal refused the login credentials", page=self.name)
        if page == "error":
            raise PortalUnavailable("the portal showed its error page at login", page=self.name)
        browser.after_load()
        return page
