"""Start and stop the headless Chromium that drives the portal.

One place decides how a browser is launched, so that every worker runs the
same, known-good flags (docs/facts.md) and logs which browser and driver it got: a
Chromium upgrade without a matching chromedriver is the most common cause of
a fleet of workers failing at once, and the warning names it.

A local chromedriver is started under ``tether.py``, which kills it and its
Chromium when the process that started them dies, however it dies: a pool
child SIGKILLed mid-job would otherwise leak a whole browser (about 1 GB).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from syncapp.errors import PortalUnavailable
from syncapp.settings import Settings

log = logging.getLogger(__name__)

CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_PROFILE_ATTR = "_portal_profile_dir"
TETHER = Path(__file__).with_name("tether.py")


class TetheredService(Service):
    """chromedriver run under ``tether.py``, so the browser cannot outlive this process."""

    def __init__(self, chromedriver: str) -> None:
        super().__init__(executable_path=sys.executable)
        self.chromedriver = chromedriver

    def command_line_args(self) -> list[str]:
        # -I: isolated (no site or user paths), -S: no site import; the tether is stdlib only.
        return ["-I", "-S", str(TETHER), self.chromedriver, *super().command_line_args()]


def chrome_options(settings: Settings, profile_dir: str | None) -> Options:
    """The exact flag set, a fresh profile directory and the window size."""
    opts = Options()
    for arg in CHROME_ARGS:
        opts.add_argument(arg)
    if profile_dir:
        opts.add_argument(f"--user-data-dir={profile_dir}")
    opts.add_argument(f"--window-size={settings.emr_window_size}")
    binary = settings.chromium_binary or shutil.which("chromium")
    if binary and not settings.selenium_remote_url:
        opts.binary_location = binary
    return opts


def chromedriver_path(settings: Settings) -> str:
    """Configured driver, else the one on PATH; webdriver-manager only as a last resort.

    webdriver-manager needs the internet (it fails offline in ~0.25 s), so it
    is tried only when no local chromedriver exists.
    """
    for candidate in (settings.chromedriver, shutil.which("chromedriver"), "/usr/bin/chromedriver"):
        if candidate and Path(candidate).is_file():
            return candidate
    try:
        from webdriver_manager.chrome import ChromeDriverManager

        return ChromeDriverManager().install()
    except Exception as exc:  # noqa: BLE001 - any download failure means "no driver"
        raise PortalUnavailable(
            "no chromedriver found (set CHROMEDRIVER) and webdriver-manager failed",
            step="start_browser",
        ) from exc


def start_driver(settings: Settings) -> WebDriver:
    """Launch a browser (local or ``SELENIUM_REMOTE_URL``); raise ``PortalUnavailable`` on failure."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never reach for the network
    remote = settings.selenium_remote_url
    profile = None if remote else tempfile.mkdtemp(prefix="portal-profile-")
    opts = chrome_options(settings, profile)
    try:
        if remote:
            driver: WebDriver = webdriver.Remote(command_executor=remote, options=opts)
        else:
            service = TetheredService(chromedriver_path(settings))
            driver = webdriver.Chrome(service=service, options=opts)
    except WebDriverException as exc:
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
        raise PortalUnavailable("the browser did not start", step="start_browser") from exc
    setattr(driver, _PROFILE_ATTR, profile)
    driver.set_page_load_timeout(settings.emr_page_timeout)
    driver.set_script_timeout(settings.emr_page_timeout)
    log_versions(driver)
    return driver


def versions(capabilities: dict) -> tuple[str, str]:
    """Browser and driver versions as reported by the session's capabilities."""
    browser = str(capabilities.get("browserVersion") or capabilities.get("version") or "")
    chrome = capabilities.get("chrome") or {}
    driver = str(chrome.get("chromedriverVersion") or "").split(" ")[0]
    return browser, driver


def major(version: str) -> str:
    return version.split(".")[0] if version else ""


def log_versions(driver: WebDriver) -> None:
    """Log versions at session start; warn when their major versions differ."""
    browser, drv = versions(driver.capabilities or {})
    log.info("browser started", extra={"step": "start_browser", "browser": browser, "driver": drv})
    if browser and drv and major(browser) != major(drv):
        log.warning(
            "chromium and chromedriver major versions differ",
            extra={"step": "start_browser", "browser": browser, "driver": drv},
        )


def quit_driver(driver: WebDriver | None) -> None:
    """Quit the browser, tolerating one that already died, and drop its profile."""
    if driver is None:
        return
    try:
        driver.quit()
    except Exception:  # noqa: BLE001 - a dead browser cannot be quit twice
        log.info("browser was already gone", extra={"step": "quit_browser"})
    profile = getattr(driver, _PROFILE_ATTR, None)
    if profile:
        shutil.rmtree(profile, ignore_errors=True)
