"""End-to-end sync of a full intake, and where its time goes.

Measured as staff would feel it: from saving a new patient in the (sandbox)
org to the org receiving the worker's "Synced" callback, through the real
path: Outbound Message -> web app -> RabbitMQ -> worker -> headless browser ->
portal -> Apex REST callback. Times come from the org's own clocks (callback
``at``) and the workers' log lines, on the same machine, so polling granularity
does not inflate them. The worker is warmed by one uncounted sync first (its
browser start and login are the cold-job story, measured separately); that
first sync is reported on its own.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.system import System
from tests.support.fixtures import make_bundle

# The page-object steps of one upsert (``portal_pages.sync``), in order.
PORTAL_STEPS = ("search", "create_patient", "demographics", "guardians", "insurance", "notes")


def one_sync(system: System, n: int, *, timeout: float = 120) -> dict[str, Any]:
    """Create patient ``n`` in the org and follow it to its callback; seconds per stage."""
    t0 = time.time()
    ids = system.create_patient(make_bundle(n))
    rid = ids["id"]
    cb = system.wait_callbacks([rid], since=t0, timeout=timeout)[rid]
    mine = [e for e in system.events() if e.get("record_id") == rid and e["t"] >= t0 - 1]
    started = next((e["t"] for e in mine if e.get("msg") == "sync started"), None)
    done = next((e["t"] for e in mine if e.get("msg") == "sync done"), None)
    portal = next(
        (
            e["duration_ms"] / 1000
            for e in mine
            if e.get("step") == "portal_upsert" and e.get("msg") == "step done"
        ),
        None,
    )
    sf_read = next(
        (
            e["duration_ms"] / 1000
            for e in mine
            if e.get("step") == "read_salesforce" and e.get("msg") == "step done"
        ),
        None,
    )
    steps = {
        e["step"]: e["duration_ms"] / 1000
        for e in mine
        if e.get("step") in PORTAL_STEPS and e.get("msg") == "step done"
    }
    return {
        "record_id": rid,
        "steps_s": steps,
        "e2e_s": cb["at"] - t0,
        # org notification + webhook + RabbitMQ, up to the job's first log line
        "pickup_s": (started - t0) if started else None,
        # the chained report task and the Apex REST callback
        "report_s": (cb["at"] - done) if done else None,
        "sf_read_s": sf_read,
        "portal_s": portal,
        "worker": next((e["worker"] for e in mine), None),
    }


def measure(system: System, *, n: int, first_n: int) -> dict[str, Any]:
    """One uncounted warm-up sync, then ``n`` full intakes one after another; medians."""
    warmup = one_sync(system, first_n)
    runs = [one_sync(system, first_n + 1 + i) for i in range(n)]

    def med(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return statistics.median(values) if values else None

    return {
        "n": n,
        "first_sync_s": warmup["e2e_s"],
        "first_portal_s": warmup["portal_s"],
        "e2e_s": med("e2e_s"),
        "portal_s": med("portal_s"),
        "pickup_s": med("pickup_s"),
        "report_s": med("report_s"),
        "sf_read_s": med("sf_read_s"),
        "samples_e2e_s": [round(r["e2e_s"], 3) for r in runs],
        # where the browser's time goes, median per page-object step
        "portal_steps_s": {
            step: statistics.median(r["steps_s"][step] for r in runs if step in r["steps_s"])
            for step in PORTAL_STEPS
            if any(step in r["steps_s"] for r in runs)
        },
    }
