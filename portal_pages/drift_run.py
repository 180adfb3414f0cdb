"""Run the selector-drift check in a browser of its own: start, walk, quit.

A fresh, logged-out browser, so the login screen is checked too, and so the
check never disturbs a worker's logged-in session (it does use one portal
login, which counts against the licence only for the seconds the walk takes).
"""

from __future__ import annotations

from portal_pages.adapters import get_adapter
from portal_pages.core import network
from portal_pages.core.browser import Browser
from portal_pages.core.driver import quit_driver, start_driver
from portal_pages.drift import DriftReport, check, protocol_walk
from syncapp.settings import Settings


def run_check(settings: Settings, mrn: str | None = None, *, generic: bool = False) -> DriftReport:
    """Walk every screen of ``settings.emr_portal`` at ``settings.emr_url``; see ``drift``.

    ``generic``: use ``protocol_walk`` even when the adapter has a walk of its own.
    """
    portal_cls = get_adapter(settings.emr_portal)
    driver = start_driver(settings)
    try:
        browser = Browser(
            driver,
            base_url=settings.emr_url,
            timeout=settings.emr_page_timeout,
            tracker=network.install_tracker(driver),
        )
        portal = portal_cls(browser, settings)
        own_walk = None if generic else getattr(portal, "drift_screens", None)
        walk = own_walk(mrn) if own_walk else protocol_walk(portal, mrn)
        report = check(settings.emr_portal, walk, browser)
        if not any(s.lower().startswith("chart") for s in report.screens) and report.ok:
            report.note = "no chart to walk: set CHECK_EMR_ID to a dedicated test patient"
        return report
    finally:
        quit_driver(driver)


def cli(settings: Settings, mrn: str | None) -> int:
    """``python -m portal_pages check``: print the report; exit 1 naming what drifted."""
    import json
    import sys

    from syncapp.errors import SyncError

    try:
        report = run_check(settings, mrn)
    except SyncError as exc:  # the browser would not start, or the portal is down
        sys.stdout.write(json.dumps({"error": exc.kind, "message": str(exc)}) + "\n")
        return 2
    sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    for m in report.missing:
        sys.stderr.write(f"DRIFT: {m}\n")
    return 0 if report.ok else 1
