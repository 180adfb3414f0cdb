"""The portal on a bad day: lock screen, HTTP 500s, latency, expired sessions.

Each test turns a fault knob and still expects exactly the bundle's data in
the chart, with no duplicate chart.
"""

from __future__ import annotations

import logging

from tests.portal_pages.conftest import chart_of, expected_chart, full_bundle
from tests.support.servers import wait_until


def _assert_exact(portal, bundle, result) -> None:
    assert len(portal.patients()) == 1
    assert chart_of(portal, result.emr_patient_id) == expected_chart(bundle, result.emr_patient_id)


def _wait_until_locked(client, portal, lock_seconds: float) -> None:
    """Poll a page (less often than the lock time) until the portal renders it locked.

    A page request made before the lock refreshes the session; one made after
    it shows the overlay, so the polling itself lets the session go idle.
    """

    def locked() -> bool:
        client.driver.get(portal.url + "/patients")
        return client.driver.execute_script("return !!document.querySelector('#lock-screen.open')")

    wait_until(locked, timeout=10, interval=lock_seconds + 0.2, what="the lock screen")


def _unlocked(caplog) -> int:
    return sum(r.getMessage() == "lock screen cleared" for r in caplog.records)


def test_lock_screen_after_one_second(client, portal, caplog):
    caplog.set_level(logging.INFO, logger="portal_pages")
    bundle = full_bundle()
    first = client.upsert(bundle)  # warm session, then the knob: the lock comes mid-session
    portal.reset()
    portal.faults(idle_lock_seconds=1)
    _wait_until_locked(client, portal, 1.0)
    result = client.upsert(bundle)
    assert result.created and result.emr_patient_id != first.emr_patient_id
    _assert_exact(portal, bundle, result)
    assert _unlocked(caplog) >= 1


def test_lock_screen_already_shown_when_the_job_starts(client, portal, caplog):
    """A session idle past the lock time: pages render with the overlay open, writes get 423."""
    bundle = full_bundle()
    client.upsert(bundle)  # ensures a logged-in session
    portal.reset()
    portal.faults(idle_lock_seconds=0.3)
    caplog.set_level(logging.INFO, logger="portal_pages")

    _wait_until_locked(client, portal, 0.3)
    result = client.upsert(bundle)
    _assert_exact(portal, bundle, result)
    assert _unlocked(caplog) >= 1


def test_ten_percent_http_500s(client, portal):
    portal.faults(error_rate=0.1)
    bundle = full_bundle()
    result = client.upsert(bundle)
    portal.faults(error_rate=0.0)
    assert portal.stats()["errors_injected"] > 0
    _assert_exact(portal, bundle, result)


def test_300ms_latency(client, portal):
    portal.faults(latency_ms=300)
    bundle = full_bundle()
    result = client.upsert(bundle)
    portal.faults(latency_ms=0)
    _assert_exact(portal, bundle, result)


def test_session_expires_mid_job_and_the_job_resumes(client, portal):
    bundle = full_bundle()
    client.upsert(bundle)  # an existing session, about to expire
    portal.reset()
    logins_before = portal.stats()["logins"]
    portal.faults(session_seconds=1.2, latency_ms=60)
    result = client.upsert(bundle)
    portal.faults(session_seconds=3600, latency_ms=0)
    assert portal.stats()["logins"] > logins_before  # logged in again, within the job
    _assert_exact(portal, bundle, result)
