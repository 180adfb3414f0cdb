"""Smoke test in real headless Chromium: the JavaScript widgets and async flows work.

Covers what plain HTTP cannot: the custom dropdown, the masked date input,
search results filled by fetch, tabs loaded on demand, save with spinner and
toast, inline validation errors, the guardian modal and the idle lock screen.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from portal_pages.core.driver import quit_driver, start_driver
from syncapp.settings import Settings
from tests.support.servers import Server

from .conftest import PASSWORD, USERNAME


@pytest.fixture
def driver() -> Iterator[WebDriver]:
    """The product's own driver factory: one place knows Chromium's flags."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium/chromedriver are not installed (make browser)")
    d = start_driver(Settings())
    try:
        yield d
    finally:
        quit_driver(d)


def wait(d: WebDriver, timeout: float = 10) -> WebDriverWait:
    return WebDriverWait(d, timeout)


def css(d: WebDriver | WebElement, selector: str) -> WebElement:
    return d.find_element(By.CSS_SELECTOR, selector)


def on_page(d: WebDriver, page: str) -> None:
    wait(d).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"body[data-page='{page}']")))


def choose(d: WebDriver, form: WebElement, name: str, value: str) -> None:
    dropdown = css(form, f".dropdown[data-name='{name}']")
    css(dropdown, ".dropdown-toggle").click()
    option = css(dropdown, f".dropdown-option[data-value='{value}']")
    wait(d).until(EC.visibility_of(option))
    assert "open" in dropdown.get_attribute("class")
    option.click()
    assert dropdown.get_attribute("data-value") == value
    assert css(dropdown, "input[type=hidden]").get_attribute("value") == value
    assert css(dropdown, ".dropdown-menu").get_attribute("hidden") is not None


def toast(d: WebDriver, text: str, kind: str = "toast-success") -> None:
    def shown(drv: WebDriver) -> bool:
        el = css(drv, "#toast")
        return "show" in el.get_attribute("class") and el.text == text

    wait(d).until(shown)
    assert kind in css(d, "#toast").get_attribute("class")


def test_widgets_and_async_flows_in_chromium(emr: Server, driver: WebDriver):
    d = driver
    d.get(emr.url + "/patients")
    on_page(d, "login")
    css(d, "#username").send_keys(USERNAME)
    css(d, "#password").send_keys(PASSWORD)
    css(d, "#login-submit").click()
    on_page(d, "search")

    # New patient: masked date, custom dropdown, save navigates to the chart.
    css(d, "a#new-patient").click()
    on_page(d, "new-patient")
    form = css(d, "form#demographics-form")
    css(form, "[name=first_name]").send_keys("Zoë")
    css(form, "[name=last_name]").send_keys("O'Brien-Núñez")
    dob = css(form, "[name=date_of_birth]")
    dob.send_keys("02/0x32015")  # slashes and letters are ignored, slashes re-inserted
    assert dob.get_attribute("value") == "02/03/2015"
    choose(d, form, "sex", "female")
    assert css(form, ".dropdown[data-name='sex'] .dropdown-toggle").text == "Female"
    css(form, "button.save").click()
    on_page(d, "chart")
    mrn = css(d, "#chart-mrn").text
    assert mrn.startswith("MRN-")

    # Search results come from fetch.
    d.get(emr.url + "/patients")
    on_page(d, "search")
    css(d, "#search-last").send_keys("o'brien-núñez")
    css(d, "#search-dob").send_keys("02032015")
    css(d, "#search-submit").click()
    wait(d).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#search-results[data-state=loaded]"))
    )
    rows = d.find_elements(By.CSS_SELECTOR, "#search-results tbody tr.result-row")
    assert [r.get_attribute("data-mrn") for r in rows] == [mrn]
    assert css(rows[0], "td.col-name").text == "O'Brien-Núñez, Zoë"
    css(rows[0], "a.open-chart").click()
    on_page(d, "chart")
    panel = "#tab-demographics[data-state=loaded]"
    wait(d).until(EC.presence_of_element_located((By.CSS_SELECTOR, panel)))

    # Save: nothing changed -> "No changes"; a slow save shows spinner and disabled fieldset.
    form = css(d, "#demographics-form")
    css(form, "button.save").click()
    toast(d, "No changes")
    css(form, "[name=phone]").send_keys("(555) 201-3344")
    choose(d, form, "sex", "other")
    requests.post(emr.url + "/__sandbox__/faults", json={"latency_ms": 400}, timeout=5)
    cutoff = datetime.now(UTC).isoformat()
    css(form, "button.save").click()
    assert "spinning" in css(form, "span.spinner").get_attribute("class")
    assert css(form, "fieldset").get_attribute("disabled") is not None
    toast(d, "Saved")
    requests.post(emr.url + "/__sandbox__/faults", json={"latency_ms": 0}, timeout=5)
    writes = requests.get(emr.url + "/__sandbox__/writes", params={"since": cutoff}, timeout=5)
    assert sorted(w["field"] for w in writes.json()) == ["phone", "sex"]
    [chart] = requests.get(emr.url + "/__sandbox__/patients", timeout=5).json()
    assert chart["patient"]["sex"] == "other"
    assert chart["patient"]["phone"] == "(555) 201-3344"

    # A value set by script and followed by an input event is re-masked; the server rejects it.
    form = css(d, "#demographics-form")
    dob = css(form, "[name=date_of_birth]")
    d.execute_script(
        "arguments[0].value = '12312999';"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        dob,
    )
    assert dob.get_attribute("value") == "12/31/2999"
    css(form, "button.save").click()
    error = css(form, ".field-error[data-for=date_of_birth]")
    wait(d).until(EC.visibility_of(error))
    assert error.text == "Date of birth cannot be in the future"
    toast(d, "Not saved \u2014 please correct the highlighted fields", "toast-error")

    # Guardians tab: loaded on first view; the modal form saves and the row appears.
    css(d, "#chart-tabs a.tab[data-tab=guardians]").click()
    wait(d).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#tab-guardians[data-state=loaded]"))
    )
    assert "active" in css(d, "#chart-tabs a.tab[data-tab=guardians]").get_attribute("class")
    css(d, "#guardian-add").click()
    modal = css(d, "#guardian-modal")
    wait(d).until(EC.visibility_of(modal))
    gform = css(modal, "#guardian-form")
    css(gform, "[name=first_name]").send_keys("Mairéad")
    css(gform, "[name=last_name]").send_keys("O'Brien")
    choose(d, gform, "relationship", "mother")
    css(gform, "[name=is_primary]").click()
    css(gform, "button.save").click()
    toast(d, "Saved")
    row = css(d, "#guardians-list tr.guardian-row")
    assert css(row, "td[data-col=relationship]").text == "mother"
    assert css(row, "td[data-col=is_primary]").text == "yes"
    assert "open" not in css(d, "#guardian-modal").get_attribute("class")

    # Idle lock: the overlay opens by itself and the password clears it.
    requests.post(emr.url + "/__sandbox__/faults", json={"idle_lock_seconds": 1}, timeout=5)
    css(d, "#chart-tabs a.tab[data-tab=notes]").click()  # an API answer carries the new timeout
    lock = css(d, "#lock-screen")
    wait(d).until(lambda drv: "open" in lock.get_attribute("class"))
    requests.post(emr.url + "/__sandbox__/faults", json={"idle_lock_seconds": 300}, timeout=5)
    css(d, "#lock-password").send_keys(PASSWORD)
    css(d, "#lock-unlock").click()
    wait(d).until(lambda drv: "open" not in lock.get_attribute("class"))
