"""Core helpers in real Chromium, on small pages of our own: what real SPAs need of ``core``.

Native selects, containers that are not forms, repeated names (first visible
wins), elements drawn late, fading overlays, our own script errors, and a
forced reload of a single-page app. No portal: each test writes the DOM it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser
from portal_pages.core.driver import quit_driver, start_driver
from portal_pages.core.fields import fill_fields, read_fields, set_text
from portal_pages.core.page import Region
from portal_pages.core.retry import run_step
from syncapp.errors import PageChanged, PageScriptFailed, PortalUnavailable
from syncapp.settings import Settings

pytestmark = pytest.mark.browser

PAGE = """
<div id="box">
  <div style="display:none"><input name="city" value="hidden-copy"></div>
  <input name="city" value="Chicago">
  <select name="gender"><option value='"m"'>Male</option><option value='"f"'>Female</option></select>
  <input type="checkbox" name="active">
</div>
<script>
  window.changes = 0;
  document.querySelector('select').addEventListener('change', function () { window.changes++; });
</script>
"""


@pytest.fixture(scope="module")
def browser(sandbox) -> Iterator[Browser]:
    # No test here is about page loads: the default page timeout keeps a slow
    # first navigation on a loaded CI machine from failing a fixture.
    driver = start_driver(Settings(_env_file=None))
    try:
        yield Browser(driver, base_url=sandbox.url, timeout=1.5, tracker=False)
    finally:
        quit_driver(driver)


@pytest.fixture
def page(browser: Browser) -> Browser:
    browser.driver.get("about:blank")
    browser.js("document.body.innerHTML = arguments[0];", PAGE)
    browser.js(PAGE.split("<script>")[1].split("</script>")[0])
    return browser


def _box(browser: Browser):
    return lambda: browser.find((By.ID, "box"))


def test_native_select_is_set_by_value_with_a_change_event(page):
    select = lambda: page.find((By.NAME, "gender"))  # noqa: E731
    assert set_text(page, select, '"f"', "gender") is True
    assert page.js("return [document.querySelector('select').value, window.changes];") == [
        '"f"',
        1,
    ]
    assert set_text(page, select, '"f"', "gender") is False  # read before write: no event
    assert page.js("return window.changes;") == 1


def test_read_and_fill_any_container_taking_the_first_visible_match(page):
    assert read_fields(page, _box(page)) == {"city": "Chicago", "gender": '"m"', "active": False}
    changed = fill_fields(
        page, _box(page), [("city", "text", "Evanston"), ("gender", "text", '"f"')]
    )
    assert changed == ["city", "gender"]
    assert page.js("return document.querySelector('[name=city]').value;") == "hidden-copy"
    assert read_fields(page, _box(page))["city"] == "Evanston"


def test_our_own_script_error_is_permanent_names_the_page_object_and_is_not_retried(page):
    calls = []

    def step():
        calls.append(1)
        page.js("return document.querySelector('#nope').value;", owner="InsuranceTab")

    with pytest.raises(PageScriptFailed, match="InsuranceTab") as info:
        run_step("insurance", step, recover=lambda: None, max_wait=0.01)
    assert info.value.retryable is False and len(calls) == 1


def test_waits_treat_not_drawn_yet_as_not_yet(page):
    page.js(
        "setTimeout(function () { var e = document.createElement('b'); e.id = 'late';"
        " document.body.appendChild(e); }, 400);"
    )
    late = page.wait_for(lambda d: page.find((By.ID, "late")), "the late element")
    assert late.tag_name == "b"
    with pytest.raises(PageChanged, match="never"):
        page.wait_for(lambda d: page.find((By.ID, "never")), "an element never drawn")


def test_a_missing_element_is_permanent_and_names_its_selector_and_page(page):
    """The Failed reason alone must tell the on-call which selector drifted, and where."""
    page.page = "chart"
    with pytest.raises(PageChanged) as info:
        page.find((By.ID, "chart-mrn"), what="chart MRN")
    assert info.value.retryable is False
    assert str(info.value) == "expected element missing: chart MRN (id=chart-mrn) [page=chart]"
    with pytest.raises(PageChanged, match=r"missing: css selector=#box \.gone \[page=chart\]"):
        page.find((By.CSS_SELECTOR, "#box .gone"))


def test_click_waits_out_a_fading_overlay(page):
    page.js(
        "var o = document.createElement('div'); o.id = 'veil';"
        " o.style.cssText = 'position:fixed;inset:0;background:#0003;z-index:9';"
        " document.body.appendChild(o);"
        " document.querySelector('[name=active]').style.cssText = 'position:relative';"
        " setTimeout(function () { o.remove(); }, 500);"
    )
    page.click(lambda: page.find((By.NAME, "active")), "active")
    assert page.js("return document.querySelector('[name=active]').checked;") is True


def test_a_click_that_stays_covered_says_why(page):
    page.js(
        "var o = document.createElement('div');"
        " o.style.cssText = 'position:fixed;inset:0;z-index:9'; document.body.appendChild(o);"
    )
    with pytest.raises(PortalUnavailable, match=r"could not click active \(covered\)"):
        page.click(lambda: page.find((By.NAME, "active")), "active")


def test_forced_reload_of_a_single_page_app(browser):
    browser.goto("/login#one")
    browser.js("window.marker = 1; window.onbeforeunload = function () { return 'leave?'; };")
    browser.goto("/login#two")  # only the fragment differs: the document stays
    assert browser.js("return window.marker;") == 1
    browser.goto("/login#three", reload=True)
    assert browser.js("return window.marker;") is None
    assert browser.driver.current_url.endswith("/login#three")


class _Box(Region):
    """A top-level region: its root is resolved in the same command as what it asks."""

    _root = (By.ID, "box")


class _Gone(Region):
    _root = (By.CSS_SELECTOR, "#box .drifted")


def _commands(browser: Browser, fn):
    sent: list[str] = []
    original = browser.driver.execute

    def execute(command, params=None):
        sent.append(command)
        return original(command, params)

    browser.driver.execute = execute
    try:
        return fn(), sent
    finally:
        del browser.driver.execute


def test_a_region_finds_and_scripts_in_one_command_each(page):
    box = _Box(page)
    found, sent = _commands(page, lambda: box.find((By.CSS_SELECTOR, "select"), "gender"))
    assert found.tag_name == "select" and len(sent) == 1
    value, sent = _commands(page, lambda: box.script("return arguments[0].id + arguments[1];", "!"))
    assert value == "box!" and len(sent) == 1


def test_a_region_whose_root_drifted_names_the_region_and_its_selector(page):
    with pytest.raises(PageChanged, match=r"missing: _Gone \(css selector=#box \.drifted\)"):
        _Gone(page).script("return 1;")
    with pytest.raises(PageChanged, match=r"missing: _Gone \(css selector=#box \.drifted\)"):
        _Gone(page).find((By.NAME, "city"))
    with pytest.raises(PageChanged, match=r"missing: city field \(css selector=\.nope\)"):
        _Box(page).find((By.CSS_SELECTOR, ".nope"), "city field")


def test_a_script_error_inside_a_region_still_names_the_region(page):
    with pytest.raises(PageScriptFailed, match="_Box"):
        _Box(page).script("return arguments[0].querySelector('#nope').value;")


def test_a_path_with_a_locator_scripts_cannot_resolve_is_found_step_by_step(page):
    found = page.find_path([((By.ID, "box"), "box"), ((By.NAME, "gender"), "gender")])
    assert found.tag_name == "select"
    with pytest.raises(PageChanged, match=r"missing: town \(name=town\)"):
        page.find_path([((By.ID, "box"), "box"), ((By.NAME, "town"), "town")])
