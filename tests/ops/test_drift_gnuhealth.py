"""The selector-drift check on the real GNU Health: its own walk, read-only, and a drifted selector named.

``python -m portal_pages check --portal gnuhealth`` runs as ops run it (a
subprocess, a fresh browser) and must walk SAO's login dialog, the menu, the
People list and a chart's form and lists, saving nothing (GNU Health's own
write dates say so). A locator that no longer matches the screen (here the
Insurances list's New button, renamed) is reported by page object and name.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By

from portal_pages import PortalClient
from portal_pages.drift_run import run_check
from portal_pages.gnuhealth.insurance import Insurances
from tests.contract.gnuhealth import GnuHealthContract, gnuhealth_instance
from tests.support.servers import run_module

# The first GNU Health user installs it on a fresh clone (minutes on a loaded machine).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]

SCREENS = ["LoginDialog", "Menu", "PeopleList", "Chart", "ContactMechanisms", "Insurances"]


@pytest.fixture(scope="module")
def gnuhealth() -> Iterator[GnuHealthContract]:
    with gnuhealth_instance() as instance:
        instance.reset()
        yield instance


@pytest.fixture(scope="module")
def chart(gnuhealth, tmp_path_factory) -> str:
    """One patient, synced the usual way (the walk reads a real chart)."""
    settings = gnuhealth.settings(tmp_path_factory.mktemp("artifacts"))
    with PortalClient.from_settings(settings) as client:
        return client.upsert(gnuhealth.bundle()).emr_patient_id


def _check(gnuhealth: GnuHealthContract, *extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "EMR_USERNAME": "admin",
        "EMR_PASSWORD": gnuhealth.layout.password,
        "SYNC_ENV": "development",
        "EMR_PAGE_TIMEOUT": "20",
    }
    url = gnuhealth.layout.url.rstrip("/")
    check = ("portal_pages", "check", "--portal", "gnuhealth", "--url", url)
    return run_module(*check, *extra, env=env, timeout=600)


def test_the_check_walks_every_gnuhealth_screen_and_saves_nothing(gnuhealth, chart):
    mark = gnuhealth.write_mark(chart)
    out = _check(gnuhealth, "--emr-id", chart)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["screens"] == SCREENS
    first = _check(gnuhealth)  # no CHECK_EMR_ID: the first person the People list shows
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout.strip().splitlines()[-1])["screens"] == SCREENS
    assert gnuhealth.write_mark(chart) == mark and gnuhealth.charts() == [chart]


def test_a_drifted_selector_is_named_by_page_object(gnuhealth, chart, tmp_path, monkeypatch):
    renamed = (By.CSS_SELECTOR, ".form-one2many-toolbar button[title='Add a record']")
    monkeypatch.setattr(Insurances, "_new", renamed)
    report = run_check(gnuhealth.settings(tmp_path), chart)
    assert [(m.page, m.selector) for m in report.missing] == [("Insurances", "_new")]
    assert report.screens == SCREENS  # the walk went on: only that one selector drifted
