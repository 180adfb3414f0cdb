"""The Apex-callout path (signed JSON events) syncs a patient just like Outbound Messages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle


@pytest.fixture(scope="module")
def callout_system(stack_factory):
    return Driver(stack_factory(notify="apex-callout").start())


def test_signed_event_path_syncs_the_patient(callout_system: Driver):
    record_id = callout_system.create_patient(make_bundle(4))["id"]
    callout_system.wait_quiet()
    callout_system.assert_chart_equals_record(record_id)
    assert callout_system.sf_patient(record_id)["sync"]["status"] == "Synced"
    modes = {d.get("mode") for d in callout_system.deliveries()}
    assert modes == {"apex-callout"}
