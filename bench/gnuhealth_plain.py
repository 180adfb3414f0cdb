"""The baseline: a plain Selenium script, a new browser per job, the way the case study's system worked.

Menu clicks, ``send_keys`` and explicit waits, no reuse of anything between
jobs: start Chromium, log in, open Party > Parties > People, and create a
patient as the sync does (name, gender, DOB, address with country and state,
every coverage with its rank, a phone) or update one's phone
(search by name, open, edit, save, reload and check). Only what is needed to
make it work on SAO (selects set by script: ``Select`` loses the choice after
a redraw; the DOB focused by script: a calendar button covers its middle).
"""

from __future__ import annotations

from selenium import webdriver
from selenium.common.exceptions import (
    ElementNotInteractableException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.wait import WebDriverWait

PANE = "#tabcontent > .tab-pane.active "


def _wait(d) -> WebDriverWait:
    """Waits that look again when SAO redrew what they were looking at (as any script must)."""
    return WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,))


SEX = {"female": '"f"', "male": '"m"', "other": '"other"', "unknown": '"u"'}


def _browser() -> webdriver.Chrome:
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1400,1000")
    opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def _visible(d, css: str):
    return _wait(d).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def _type(d, css: str, *keys: str) -> None:
    """Into the first visible match, once it takes keys (a plain script's explicit wait)."""

    def typed(x) -> bool:
        for el in x.find_elements(By.CSS_SELECTOR, css):
            if el.is_displayed():
                try:
                    el.send_keys(*keys)
                    return True
                except ElementNotInteractableException:
                    return False
        return False

    _wait(d).until(typed)


def _click(d, css: str) -> None:
    """The first visible, enabled match (toolbars repeat ids in hidden menus)."""

    def clicked(x) -> bool:
        for el in x.find_elements(By.CSS_SELECTOR, css):
            if el.is_displayed() and el.is_enabled():
                try:
                    el.click()
                    return True
                except WebDriverException:
                    return False
        return False

    _wait(d).until(clicked)


def _login_and_open_people(d, url: str, password: str) -> None:
    d.get(url)  # SAO's address with the database after "#": http://host:8003/#health
    _visible(d, ".login-dialog input#login").send_keys("admin")
    _click(d, ".login-dialog button[type=submit]")
    _visible(d, "input#ask-dialog-entry").send_keys(password, Keys.ENTER)
    for label in ("Party", "Parties", "People"):
        xpath = f"//div[@id='menu']//div[contains(@class,'column-char')][@title='{label}']"
        _wait(d).until(ec.element_to_be_clickable((By.XPATH, xpath))).click()
    _wait(d).until(
        lambda x: x.find_element(By.CSS_SELECTOR, "#tablist li.active").text.endswith("People")
    )
    _visible(d, PANE + ".treeview table.tree")


def _save(d) -> None:
    _click(d, PANE + "nav.toolbar button#save")
    _wait(d).until(
        lambda x: "Record saved" in x.find_element(By.CSS_SELECTOR, PANE + ".infobar").text
    )


def _page(d, title: str) -> None:
    d.find_element(
        By.XPATH,
        f"//*[@id='tabcontent']/*[contains(@class,'active')]"
        f"//ul[contains(@class,'nav-tabs')]//a[normalize-space()='{title}']",
    ).click()


def _panel(d, label: str):
    """A one2many panel of the front tab, by its heading."""
    xpath = (
        "//*[@id='tabcontent']/*[contains(@class,'active')]//div[contains(@class,'form-one2many')]"
        f"[.//label[normalize-space()='{label}']]"
    )
    return _wait(d).until(ec.presence_of_element_located((By.XPATH, xpath)))


def _select(d, css: str, value: str) -> None:
    el = d.find_element(By.CSS_SELECTOR, css)
    d.execute_script(
        "arguments[0].value = arguments[1]; jQuery(arguments[0]).trigger('change');", el, value
    )


def _pick(d, css: str, text: str) -> None:
    """An autocomplete: type, click the entry ending with ``text`` (a country's starts with
    its flag), wait until the field holds it."""
    box = _visible(d, css)
    box.send_keys(text)
    end = f"substring(normalize-space(), string-length(normalize-space()) - {len(text) - 1})"
    entry = f"//li[contains(@class,'completion')]/a[{end} = '{text}']"
    _wait(d).until(ec.element_to_be_clickable((By.XPATH, entry))).click()
    _wait(d).until(lambda x: box.get_attribute("value").endswith(text))


def _add_coverage(d, coverage: dict) -> None:
    _panel(d, "Insurances").find_element(By.CSS_SELECTOR, "button[title=New]").click()
    _visible(d, ".modal.in input[name=number]").send_keys(coverage["member_id"])
    _pick(d, ".modal.in input[name=company]", coverage["payer"])
    if coverage.get("effective_date"):
        y, m, day = coverage["effective_date"].split("-")
        since = d.find_element(By.CSS_SELECTOR, ".modal.in input[name=member_since]")
        d.execute_script("arguments[0].focus();", since)
        since.send_keys(f"{m}/{day}/{y}", Keys.TAB)
    _type(d, ".modal.in input[name=category]", coverage["rank"].capitalize(), Keys.TAB)
    _click(d, ".modal.in .modal-footer button[title=Add]")
    _wait(d).until(ec.invisibility_of_element_located((By.CSS_SELECTOR, ".modal-backdrop")))


def create(url: str, password: str, p: dict, coverages: list[dict], state: str) -> str:
    """The sync's create: demographics with the address (``state``: its name), every
    coverage with its rank, the phone."""
    d = _browser()
    try:
        _login_and_open_people(d, url, password)
        _click(d, PANE + "nav.toolbar button#new_")
        _type(d, PANE + "input[name=name]", p["first_name"], Keys.TAB)
        _type(d, PANE + "input[name=lastname]", p["last_name"], Keys.TAB)
        _select(d, PANE + "select[name=gender]", SEX[p["sex"]])
        dob = d.find_element(By.CSS_SELECTOR, PANE + "input[name=dob]")
        d.execute_script("arguments[0].focus();", dob)
        y, m, day = p["date_of_birth"].split("-")
        dob.send_keys(f"{m}/{day}/{y}", Keys.TAB)
        for coverage in coverages:
            _add_coverage(d, coverage)
        _page(d, "General")
        address = p["address"]
        for name in ("street", "city", "postal_code"):
            _type(d, PANE + f"[name={name}]", address[name], Keys.TAB)  # street: a textarea
        _pick(d, PANE + "input[name=country]", "United States")
        _pick(d, PANE + "input[name=subdivision]", state)
        panel = _panel(d, "Contact Mechanisms")
        panel.find_element(By.CSS_SELECTOR, "button[title=New]").click()
        row = "tr.selected input[name=value]"
        _wait(d).until(lambda x: panel.find_elements(By.CSS_SELECTOR, row))
        panel.find_element(By.CSS_SELECTOR, row).send_keys(p["phone"], Keys.TAB)
        _save(d)
        return d.find_element(By.CSS_SELECTOR, PANE + "input[name=ref]").get_attribute("value")
    finally:
        d.quit()


def update_phone(url: str, password: str, p: dict, phone: str) -> None:
    d = _browser()
    try:
        _login_and_open_people(d, url, password)
        box = _visible(d, PANE + ".filter-box input.form-control")
        box.send_keys(f"{p['first_name']} {p['last_name']}", Keys.ENTER)
        row = f"{PANE}.treeview table.tree > tbody > tr td .column-char[title='{p['first_name']}']"
        cell = _wait(d).until(ec.element_to_be_clickable((By.CSS_SELECTOR, row)))
        webdriver.ActionChains(d).double_click(cell).perform()
        _visible(d, PANE + "input[name=ref]")
        _page(d, "General")
        panel = _panel(d, "Contact Mechanisms")
        value = panel.find_element(By.CSS_SELECTOR, "tbody tr td[data-title^='Value']")
        value.click()
        value.click()
        field = _wait(d).until(
            lambda x: panel.find_element(By.CSS_SELECTOR, "tr.selected input[name=value]")
        )
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(phone, Keys.TAB)
        _save(d)
        _click(d, PANE + "nav.toolbar button#reload")
        _wait(d).until(lambda x: phone in panel.text)
    finally:
        d.quit()
