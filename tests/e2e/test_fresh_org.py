"""A fresh sandbox org after an earlier one, on the same Redis and key prefix, still syncs.

What a newcomer does: ``make up``, create a patient, ``make down``, start again
with a fresh stack directory, create a patient. The web app keeps its dedupe
keys (notification ids) in Redis for days; a stand-in that restarted its id
numbering would have the second patient's notification swallowed as a repeat.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Driver
from tests.support.bundles import without_ids
from tests.support.servers import wait_until
from tests.support.stack import Ports, Stack

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "samples" / "liam-st-james.json"


def _sync_one(stack: Stack) -> dict:
    system = Driver(stack)
    record_id = system.create_patient(without_ids(json.loads(SAMPLE.read_text())))["id"]
    record = wait_until(
        lambda: (r := system.sf_patient(record_id))["sync"]["status"] == "Synced" and r,
        timeout=120,
        what=f"{record_id} to sync",
    )
    deliveries = system.deliveries()
    return {
        "org": stack.org_id,
        "record": record_id,
        "mrn": record["sync"]["emr_patient_id"],
        "notifications": {n for d in deliveries for n in d["notification_ids"]},
    }


def test_second_fresh_org_syncs_on_the_same_redis_and_prefix(stack_factory, tmp_path):
    first = stack_factory()  # clears this run's namespace once, before the first stack
    env = dict(first.extra_env)
    first.start()
    one = _sync_one(first)
    first.stop()

    # A fresh stack directory: fresh org and EMR databases; Redis and the prefix stay.
    second = Stack(tmp_path / "second", Ports.free(), extra_env=env)
    try:
        second.start()
        two = _sync_one(second)
    finally:
        second.stop()

    assert one["org"] != two["org"]
    assert one["record"] != two["record"] and one["mrn"] != two["mrn"]
    assert not one["notifications"] & two["notifications"]
