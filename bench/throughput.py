"""Throughput with two workers vs one: does a second browser buy a second job's worth?

Each worker is one Celery process with one browser (``-c 1``), and the clinic's
licence caps concurrent portal sessions (``EMR_SESSION_CAP``): on this 2-core
machine the cap is 2, so N tops out at 2. Both phases run warm workers (a
browser already logged in), because steady-state throughput is what a backlog
sees; browser start is the cold-job story. A phase is timed from the first
patient saved in the org to the last "Synced" callback, so it includes the
whole path (notification, webhook, queue, browser, callback).
"""

from __future__ import annotations

import time
from typing import Any

from bench.system import System, poll
from tests.support.fixtures import make_bundle


def batch(system: System, numbers: list[int], *, timeout: float) -> dict[str, Any]:
    """Save ``numbers`` patients at once in the org and wait for every callback."""
    t0 = time.time()
    ids = [system.create_patient(make_bundle(n))["id"] for n in numbers]
    got = system.wait_callbacks(ids, since=t0, timeout=timeout)
    seconds = max(cb["at"] for cb in got.values()) - t0
    wanted = set(ids)
    by_worker: dict[str, int] = {}
    for e in system.events():
        if e.get("msg") == "sync started" and e["t"] >= t0 and e.get("record_id") in wanted:
            by_worker[e["worker"]] = by_worker.get(e["worker"], 0) + 1
    return {
        "patients": len(ids),
        "seconds": seconds,
        "per_s": len(ids) / seconds,
        "jobs_by_worker": by_worker,
    }


def _browser_started(system: System, name: str) -> bool:
    return any(
        e.get("step") == "start_session" and e.get("msg") == "step done"
        for e in system.events([name])
    )


def warm_up(system: System, name: str, numbers: list[int], *, timeout: float) -> int:
    """Sync pairs of patients until ``name`` has its browser; returns the patients used.

    Two patients saved together go one to each idle worker (prefetch 1, late ack),
    so this almost always takes one pair.
    """
    used = 0
    deadline = time.monotonic() + timeout
    while not _browser_started(system, name):
        if time.monotonic() > deadline or used + 2 > len(numbers):
            raise TimeoutError(f"{name} never started its browser")
        batch(system, numbers[used : used + 2], timeout=timeout)
        used += 2
    poll(lambda: _browser_started(system, name), timeout=5, what=f"{name}'s browser")
    return used


def measure(system: System, *, per_phase: int, first_n: int, timeout: float) -> dict[str, Any]:
    """One warm worker, then two warm workers, ``per_phase`` patients each."""
    numbers = iter(range(first_n, first_n + 1000))
    system.stop_worker("worker2")
    if not _browser_started(system, "worker1"):
        batch(system, [next(numbers)], timeout=timeout)
    one = batch(system, [next(numbers) for _ in range(per_phase)], timeout=timeout)
    system.start_worker("worker2")
    spare = [next(numbers) for _ in range(8)]
    warm_up(system, "worker2", spare, timeout=timeout)
    two = batch(system, [next(numbers) for _ in range(per_phase)], timeout=timeout)
    return {"one_worker": one, "two_workers": two}
