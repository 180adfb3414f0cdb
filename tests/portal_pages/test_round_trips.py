"""Round trips, not seconds: what the browser asks of the portal and of WebDriver per job.

Timing is not asserted (a loaded machine is not a test); what is asserted is
the shape of the work, read from the portal's own request log and from a
count of WebDriver commands: a chart's sections are requested at once, the
browser makes no request the portal's floor would not, and an in-page wait is
one command however long the page takes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from portal_pages.core.inpage import wait_in_page, wait_script
from syncapp.errors import PageScriptFailed, PortalUnavailable

from .conftest import full_bundle

pytestmark = pytest.mark.browser

TABS = ("demographics", "guardians", "insurance", "notes")


def _requests(portal, since: float) -> list[dict]:
    r = requests.get(f"{portal.url}/__sandbox__/requests", params={"since": since}, timeout=10)
    r.raise_for_status()
    return r.json()


@contextmanager
def counted(driver) -> Iterator[list[str]]:
    """The WebDriver commands sent inside the block, by name."""
    sent: list[str] = []
    original = driver.execute

    def execute(command, params=None):
        sent.append(command)
        return original(command, params)

    driver.execute = execute
    try:
        yield sent
    finally:
        del driver.execute


def test_a_resync_requests_every_section_at_once_and_nothing_the_floor_would_not(client, portal):
    mrn = client.upsert(full_bundle()).emr_patient_id
    portal.faults(latency_ms=150)
    since = time.time()
    result = client.upsert(full_bundle(), emr_patient_id=mrn)
    rows = _requests(portal, since)
    portal.faults(latency_ms=0)

    assert result.changed_fields == []
    pages = [r for r in rows if r["kind"] == "document"]
    sections = [r for r in rows if r["kind"] == "xhr"]
    assert [p["path"] for p in pages] == [f"/patients/{mrn}"]  # one page load
    assert sorted(r["path"] for r in sections) == sorted(
        f"/api/patients/{mrn}/{tab}" for tab in TABS
    )  # each section once, no write
    others = [r for r in sections if not r["path"].endswith("/demographics")]
    # all three are in flight together: each starts before any of them has answered
    assert max(r["start"] for r in others) < min(r["end"] for r in others)


@pytest.fixture
def browser(client):
    """The warm client's browser, on a loaded portal page."""
    portal = client.session()
    browser = portal.browser
    browser.goto("/patients")
    return browser


_ATTRIBUTE_SET = wait_script(
    "return document.body.getAttribute(args.name) === 'yes' ? 'seen' : null;"
)
_THROWS = wait_script("return args.nothing.here;")


def test_an_in_page_wait_is_one_command_and_answers_when_the_page_changes(browser):
    # The clock starts before the timer is set, so a wait that waited is >= 1 s however
    # slow the machine; one that returned at once takes a round trip or two.
    t0 = time.monotonic()
    browser.js("setTimeout(function () { document.body.setAttribute('data-h5', 'yes'); }, 1000);")
    with counted(browser.driver) as sent:
        value = wait_in_page(browser, _ATTRIBUTE_SET, {"name": "data-h5"}, what="x", owner="test")
    assert value == "seen"
    assert sent == ["w3cExecuteScriptAsync"]  # no polling from Python
    assert time.monotonic() - t0 >= 1.0  # it did wait for the change


def test_an_in_page_wait_times_out_as_unavailable_and_a_broken_condition_is_a_bug(browser):
    with pytest.raises(PortalUnavailable, match="timed out waiting for the flag"):
        wait_in_page(
            browser, _ATTRIBUTE_SET, {"name": "data-never"}, what="the flag", owner="t", timeout=0.7
        )
    with pytest.raises(PageScriptFailed):
        wait_in_page(browser, _THROWS, {}, what="x", owner="test")
