"""``core.inpage`` in real Chromium: an action and its wait in one command, and "quiet".

A tiny server of the test's own answers ``/slow?ms=N`` after N ms (the latency
a portal adds), so a request is really in flight while the page waits. The
page chains two requests the way a single-page app does (the second fired from
the first one's answer), which a wait for "no request in flight" alone ends
between the two; ``quiet_ms`` waits the chain out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal_pages.core import network
from portal_pages.core.browser import Browser
from portal_pages.core.driver import quit_driver, start_driver
from portal_pages.core.inpage import wait_in_page, wait_script
from syncapp.errors import PortalUnavailable
from syncapp.settings import Settings
from tests.portal_pages.test_round_trips import counted
from tests.support.slow_http import slow_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with slow_server() as url:
        yield from _browser(url)


def _browser(url: str) -> Iterator[Browser]:
    driver = start_driver(Settings())
    try:
        browser = Browser(
            driver, base_url=url, timeout=5.0, tracker=network.install_tracker(driver)
        )
        browser.goto("/")
        yield browser
    finally:
        quit_driver(driver)


# Two requests, the second sent from the first one's answer; the page notes the end
# (of this chain: an earlier one still running must not mark it).
_CHAIN = """
window.__chain = 'running ' + args.run;
fetch('/slow?ms=' + args.ms).then(function () {
  return fetch('/slow?ms=' + args.ms);
}).then(function () { if (window.__chain === 'running ' + args.run) { window.__chain = 'done'; } });
"""
_WHEN_QUIET = wait_script("return quiet ? window.__chain : null;", _CHAIN)
_MARKED = wait_script(
    "return document.body.getAttribute('data-acted');",
    "setTimeout(function () { document.body.setAttribute('data-acted', args.v); }, 300);",
)


def test_an_action_and_its_wait_are_one_command(browser):
    browser.js("document.body.removeAttribute('data-acted');")
    with counted(browser.driver) as sent:
        value = wait_in_page(browser, _MARKED, {"v": "yes"}, what="x", owner="test")
    assert value == "yes"
    assert sent == ["w3cExecuteScriptAsync"]
    browser.js("document.body.removeAttribute('data-acted');")
    with pytest.raises(PortalUnavailable):  # act=False only waits: the action never runs
        wait_in_page(browser, _MARKED, {"v": "no"}, what="x", owner="t", timeout=1.0, act=False)


def test_quiet_waits_out_a_chain_of_requests_that_no_request_in_flight_does_not(browser):
    early = wait_in_page(browser, _WHEN_QUIET, {"ms": 300, "run": 1}, what="x", owner="test")
    assert early == "running 1"  # quiet_ms=0: true at the first answer, before the second request
    with counted(browser.driver) as sent:
        settled = wait_in_page(
            browser, _WHEN_QUIET, {"ms": 300, "run": 2}, what="x", owner="test", quiet_ms=150
        )
    assert settled == "done"
    assert sent == ["w3cExecuteScriptAsync"]
