"""What the page objects report to the metrics: lock-screen recoveries, browser starts, steps."""

from __future__ import annotations

import pytest

from syncapp import steps
from syncapp.metrics.record import Metrics, field
from syncapp.metrics.store import SQLiteMetricStore
from tests.portal_pages.conftest import (  # noqa: F401 - fixtures
    _env,
    client,
    full_bundle,
    portal,
    sandbox,
    shared_client,
)
from tests.portal_pages.test_faults import _wait_until_locked

pytestmark = pytest.mark.browser  # Chromium on the sandbox portal


def test_a_cleared_lock_screen_and_the_steps_are_counted(client, portal, tmp_path):  # noqa: F811
    metrics = Metrics(SQLiteMetricStore(tmp_path / "metrics.sqlite"))
    steps.add_observer(metrics.on_step)
    steps.add_event_observer(metrics.on_event)
    try:
        bundle = full_bundle()
        client.upsert(bundle)  # a logged-in session first
        portal.reset()
        portal.faults(idle_lock_seconds=0.5)
        _wait_until_locked(client, portal, 0.5)
        client.upsert(bundle)
    finally:
        steps.remove_observer(metrics.on_step)
        steps.remove_event_observer(metrics.on_event)
    got = metrics.store.all()
    assert got.get(field("c", "lock_screen_recoveries"), 0) >= 1
    assert got[field("h", "step_duration", step="demographics", le="+Inf")] >= 2
    assert field("hs", "step_duration", step="create_patient") in got
