"""The shared store behaves the same on Redis and on SQLite: markers expire, locks exclude."""

from __future__ import annotations

import os
import threading
import time

import pytest

from syncapp import keys
from syncapp.errors import SessionCapReached
from syncapp.kv import LockNotAcquired, RedisStore
from syncapp.sfid import is_salesforce_id, to_18
from tasks.slots import SessionSlots
from tests.support.services import require_redis


def test_set_nx_only_once_until_expiry(store):
    assert store.set_nx("k", "a", ttl=0.3)
    assert not store.set_nx("k", "b", ttl=0.3)
    assert store.get("k") == b"a"
    deadline = time.monotonic() + 5
    while store.get("k") is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # poll until the TTL has passed
    assert store.set_nx("k", "c", ttl=5)


def test_lock_excludes_a_second_holder_and_frees_on_exit(store):
    entered = threading.Event()
    leave = threading.Event()

    def hold():
        with store.lock("L", timeout=10, wait=1):
            entered.set()
            leave.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert entered.wait(5)
    with pytest.raises(LockNotAcquired):
        with store.lock("L", timeout=10, wait=0.2):
            pass
    leave.set()
    t.join()
    with store.lock("L", timeout=10, wait=1):
        pass


def test_session_slots_cap_concurrent_holders(store):
    a, b, c = (SessionSlots(store, cap=2, ttl=30) for _ in range(3))
    assert a.ensure() and b.ensure()
    with pytest.raises(SessionCapReached):
        c.ensure()
    a.release()
    assert c.ensure()
    assert b.ensure()  # renewing its own slot keeps it


def _slot_held_by_exited_process(store, host: str) -> None:
    import subprocess
    import sys

    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    store.set(keys.slot(0), f"{host}:{exited}:gone", ttl=600)


def test_a_slot_held_by_an_exited_process_of_this_host_is_taken_over(store):
    slots = SessionSlots(store, cap=1, ttl=600)
    _slot_held_by_exited_process(store, slots.host)
    assert slots.ensure()


def test_a_slot_held_on_another_host_waits_for_its_expiry(store):
    _slot_held_by_exited_process(store, "another-host")
    with pytest.raises(SessionCapReached):
        SessionSlots(store, cap=1, ttl=600).ensure()


@pytest.mark.services
def test_namespaces_do_not_see_each_other():
    require_redis()
    one = RedisStore(os.environ["REDIS_URL"], namespace="ns-one")
    two = RedisStore(os.environ["REDIS_URL"], namespace="ns-two")
    one.set("token", "x", ttl=5)
    assert two.get("token") is None


def test_salesforce_ids_normalise_to_18():
    # Salesforce's documented example id and its case-safe form.
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert to_18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    assert is_salesforce_id("a005g00000ABCdeAAH") and not is_salesforce_id("a005g0'--")
    with pytest.raises(ValueError):
        to_18("nope")
