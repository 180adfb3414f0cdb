"""The reconciliation sweep alone syncs what no notification announced.

The org's notifications are paused for the whole test (as if the webhook were
down for longer than Salesforce retries): staff create patients and then edit a
patient's own field and another patient's guardian, then delete a guardian
(no Outbound Message fires on a delete; the sweep reads children with
``queryAll``). Celery beat's sweep, run every two seconds here, must bring every
change to the EMR; the org's delivery log proves no notification ever left.
"""

from __future__ import annotations

import os

import pytest
import redis

from syncapp import keys
from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle, with_ids
from tests.support.quiet import worker_events
from tests.support.servers import wait_until

pytestmark = pytest.mark.e2e


def _in_sync(system: Driver, record_id: str) -> bool:
    try:
        system.assert_chart_equals_record(record_id)
    except AssertionError:
        return False
    return system.sf_patient(record_id)["sync"]["status"] == "Synced"


def test_sweep_syncs_creates_and_edits_without_notifications(stack_factory):
    stack = stack_factory(
        extra_env={"SYNC_SWEEP_SECONDS": "2", "SYNC_SWEEP_GRACE_SECONDS": "0"}
    ).start(beat=True)
    system = Driver(stack)
    system.org_control("notifications/pause")

    first, second = make_bundle(41), make_bundle(42)
    one = system.create_patient(first)
    two = system.create_patient(second)
    for ids in (one, two):
        wait_until(lambda i=ids: _in_sync(system, i["id"]), timeout=180, what="sweep to create")

    # A patient's own field, and another patient's guardian only.
    edited = with_ids(first, one)
    edited["patient"]["phone"] = "(555) 404-0101"
    system.update_patient(edited)
    child_only = with_ids(second, two)
    child_only["guardians"][0]["phone"] = "(555) 404-0202"
    system.update_patient(child_only)
    for ids in (one, two):
        wait_until(lambda i=ids: _in_sync(system, i["id"]), timeout=180, what="sweep to update")

    # The worker kept when it read each record (the org's clock), so a delete that
    # lands before the last job's callback still counts as newer than that job.
    store = redis.Redis.from_url(os.environ["REDIS_URL"])
    prefix = os.environ["SYNC_QUEUE_PREFIX"]
    assert store.get(keys.namespaced(prefix, keys.read_at(two["id"])))
    mrn = system.sf_patient(two["id"])["sync"]["emr_patient_id"]
    assert len(system.chart(mrn)["guardians"]) == 2
    system.delete_record(two["guardians"][1])  # staff remove a guardian: nothing is notified
    wait_until(
        lambda: len(system.chart(mrn)["guardians"]) == 1, timeout=180, what="sweep to remove"
    )
    assert _in_sync(system, two["id"])

    assert system.deliveries() == []  # nothing was ever notified
    assert len(system.charts()) == 2  # one chart per patient, however often swept
    passes = [e for e in _events(stack.run_dir) if e.get("msg") == "sweep pass"]
    assert passes and sum(e.get("count", 0) for e in passes) >= 4  # jobs the sweep queued
    logged = "".join(p.read_text(errors="replace") for p in stack.run_dir.glob("*.log"))
    names = (first["patient"]["last_name"], second["patient"]["last_name"])
    for value in ("(555) 404-0101", "(555) 404-0202", *names):
        assert value not in logged


def _events(run_dir) -> list[dict]:
    return worker_events(run_dir)
