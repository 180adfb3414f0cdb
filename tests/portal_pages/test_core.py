"""The portal-independent core without a portal: captures, registry, versions, options, retries."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal_pages.adapters import UnknownPortal, get_adapter
from portal_pages.core import artifacts, driver
from portal_pages.core.retry import run_step
from portal_pages.core.values import from_portal_date, to_portal_date
from portal_pages.demo_emr import DemoEmrPortal
from syncapp.errors import PageChanged, PortalUnavailable
from syncapp.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_registry():
    assert get_adapter("demo_emr") is DemoEmrPortal
    with pytest.raises(UnknownPortal, match="known portals: demo_emr"):
        get_adapter("nope")


def test_capture_names_hold_identifiers_only():
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert artifacts.capture_name("a00/x y", "portal_rejected", when) == (
        "a00-x-y_20260102T030405000006Z_portal_rejected"
    )
    assert artifacts.capture_name(None, "x", when).startswith("no-record_")


def test_prune_keeps_the_newest_captures(tmp_path):
    for i in range(5):
        for suffix in artifacts.SUFFIXES:
            path = tmp_path / f"r_{i:02d}_kind{suffix}"
            path.write_bytes(b"x")
            os.utime(path, (1000 + i, 1000 + i))
    (tmp_path / "unrelated.txt").write_text("keep")
    artifacts.prune(tmp_path, 2)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        "r_03_kind.html.fernet",
        "r_03_kind.png.fernet",
        "r_04_kind.html.fernet",
        "r_04_kind.png.fernet",
        "unrelated.txt",
    ]


def test_chrome_options_are_exactly_the_known_good_set(tmp_path):
    opts = driver.chrome_options(Settings(), str(tmp_path))
    assert opts.arguments == [
        *driver.CHROME_ARGS,
        f"--user-data-dir={tmp_path}",
        "--window-size=1280,900",
    ]


@pytest.mark.browser  # falls back to the installed /usr/bin/chromedriver
def test_chromedriver_from_settings_then_path(tmp_path):
    fake = tmp_path / "chromedriver"
    fake.write_text("")
    assert driver.chromedriver_path(Settings(chromedriver=str(fake))) == str(fake)
    assert driver.chromedriver_path(Settings()) == "/usr/bin/chromedriver"


def test_version_mismatch_is_a_warning(caplog):
    class Fake:
        capabilities = {
            "browserVersion": "157.0.1",
            "chrome": {"chromedriverVersion": "156.0.8078.108 (abc)"},
        }

    driver.log_versions(Fake())  # type: ignore[arg-type]
    assert any(r.levelname == "WARNING" and "major" in r.getMessage() for r in caplog.records)
    assert driver.versions(Fake.capabilities) == ("157.0.1", "156.0.8078.108")


def test_run_step_retries_retryable_and_recovers_between_attempts():
    calls, recoveries = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise PortalUnavailable("5xx")
        return "ok"

    assert run_step("s", flaky, recover=lambda: recoveries.append(1), max_wait=0.01) == "ok"
    assert len(calls) == 3 and len(recoveries) == 2


def test_run_step_does_not_retry_permanent_failures():
    calls = []

    def broken():
        calls.append(1)
        raise PageChanged("selector missing")

    with pytest.raises(PageChanged):
        run_step("s", broken, recover=lambda: None, max_wait=0.01)
    assert len(calls) == 1


def test_detached_node_errors_count_as_stale():
    from selenium.common.exceptions import JavascriptException, StaleElementReferenceException

    from portal_pages.core.browser import is_dead, is_stale

    assert is_stale(StaleElementReferenceException("gone"))
    assert is_stale(
        JavascriptException("javascript error: Node with given id does not belong to the document")
    )
    assert not is_stale(JavascriptException("javascript error: x is undefined"))
    assert is_dead(JavascriptException("invalid session id"))


def test_portal_dates():
    assert to_portal_date("2015-03-04") == "03/04/2015"
    assert from_portal_date("03/04/2015") == "2015-03-04"
    assert from_portal_date("") == "" and to_portal_date("") == ""


def test_no_sleeping_in_portal_pages():
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("portal_pages", "tests/portal_pages")
        for p in (ROOT / folder).rglob("*.py")
        if "time.sleep" in p.read_text() and p.name != "test_core.py"
    ]
    assert offenders == []
