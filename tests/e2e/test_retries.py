"""Retries through RabbitMQ's delayed delivery, and the licence's session cap across workers."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle


@pytest.fixture(scope="module")
def capped_system(stack_factory):
    # Two workers, one licensed portal session: the second worker must never open one.
    stack = stack_factory(extra_env={"EMR_SESSION_CAP": "1", "SYNC_MAX_RETRIES": "8"})
    return Driver(stack.start(workers=2))


def test_salesforce_outage_is_retried_until_it_syncs(capped_system: Driver):
    system = capped_system
    system.org_control("notifications/pause")
    record_id = system.create_patient(make_bundle(11))["id"]
    system.org_control("down", {"seconds": 2})
    system.org_control("notifications/resume")  # delivered once the org is back up
    system.wait_quiet()
    system.assert_chart_equals_record(record_id)
    logs = system.stack.log("worker1") + system.stack.log("worker2")
    assert '"msg": "sync will retry"' in logs and '"kind": "salesforce_unavailable"' in logs


def test_two_workers_share_one_licensed_session(capped_system: Driver):
    system = capped_system
    records = [system.create_patient(make_bundle(20 + n, notes=1))["id"] for n in range(4)]
    system.wait_quiet()
    for record_id in records:
        system.assert_chart_equals_record(record_id)
    started = [
        name
        for name in ("worker1", "worker2")
        if '"msg": "browser started"' in system.stack.log(name)
    ]
    assert len(started) == 1, f"browsers started by {started}"
