"""200 notifications for 20 records, duplicates mixed in: all correct, few syncs, nothing lost."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle, with_ids


@pytest.fixture(scope="module")
def burst_system(stack_factory):
    return Driver(stack_factory().start())


def test_burst_coalesces_and_loses_nothing(burst_system: Driver):
    system = burst_system
    system.org_control("notifications/pause")
    system.org_control("config", {"duplicate_rate": 0.2})
    records = {}
    for n in range(20):
        bundle = make_bundle(100 + n, notes=1)
        ids = system.create_patient(bundle)
        records[ids["id"]] = (bundle, ids)
    for round_ in range(9):
        for bundle, ids in records.values():
            update = with_ids(bundle, ids)
            update["patient"]["phone"] = f"(555) 400-{round_:02d}{len(ids['id']) % 10}{round_}"
            system.update_patient(update)
    assert system.pending_notifications() >= 200
    system.org_control("notifications/resume")
    system.wait_quiet(timeout=600)

    for record_id in records:
        system.assert_chart_equals_record(record_id)
        assert system.sf_patient(record_id)["sync"]["status"] == "Synced"
    assert len(system.charts()) == 20
    runs = system.sync_runs()
    assert 20 <= runs < 60, f"{runs} syncs for 20 records"
    deliveries = system.deliveries()
    assert sum(len(d.get("notification_ids", [])) for d in deliveries) >= 200
