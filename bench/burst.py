"""A burst of notifications: how fast the webhook accepts them, how well they coalesce,
and that nothing is lost.

Salesforce sends Outbound Messages in SOAP envelopes of up to 100 notifications
and retries until it gets an ack; a busy front desk (or a data load) makes many
for the same few records. The webhook must ack fast (it only marks and
enqueues), a record with a job already waiting must not get a second one
(``sync:queued:<id>``), and every record must still end Synced with its latest
state. The envelopes are POSTed straight at the web app, the way Salesforce
would, in two shapes: batches of 100 (one client, sequential) and one
notification per request (several concurrent clients).

The records are created in the org without notifications first; the first
burst creates their charts, the second (same records) finds nothing changed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.system import System
from tests.support.fixtures import make_bundle, outbound_message, sf_id

MAX_PER_ENVELOPE = 100  # Salesforce's own limit per Outbound Message


def _post(http: requests.Session, url: str, body: bytes) -> None:
    resp = http.post(
        url,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        timeout=30,
    )
    if resp.status_code != 200 or b"<Ack>true</Ack>" not in resp.content:
        raise RuntimeError(f"webhook did not ack: HTTP {resp.status_code}")


def create_records(system: System, count: int, first_n: int) -> list[str]:
    """Patients saved in the org with notifications off: the burst is ours to send."""
    return [
        system.create_patient(make_bundle(first_n + i), notify=False)["id"] for i in range(count)
    ]


def send(
    system: System,
    records: list[str],
    *,
    total: int,
    mode: str,
    id_offset: int,
    clients: int = 4,
) -> float:
    """POST ``total`` notifications spread evenly over ``records``; wall seconds taken."""
    items = [(sf_id(id_offset + k, "04l"), records[k % len(records)]) for k in range(total)]
    url = system.webhook_url
    if mode == "batch":
        bodies = [
            outbound_message(items[i : i + MAX_PER_ENVELOPE], org_id=system.org_id())
            for i in range(0, total, MAX_PER_ENVELOPE)
        ]
        with requests.Session() as http:
            http.trust_env = False
            t0 = time.perf_counter()
            for body in bodies:
                _post(http, url, body)
            return time.perf_counter() - t0
    bodies = [outbound_message([item], org_id=system.org_id()) for item in items]
    sessions = [requests.Session() for _ in range(clients)]
    for s in sessions:
        s.trust_env = False

    def worker(k: int) -> None:
        for body in bodies[k::clients]:
            _post(sessions[k], url, body)

    try:
        with ThreadPoolExecutor(clients) as pool:
            t0 = time.perf_counter()
            list(pool.map(worker, range(clients)))
            return time.perf_counter() - t0
    finally:
        for s in sessions:
            s.close()


def one_burst(
    system: System, records: list[str], *, total: int, mode: str, id_offset: int, timeout: float
) -> dict[str, Any]:
    """Send, wait until the system is quiet, then count jobs and check every record."""
    since = time.time()
    accept_s = send(system, records, total=total, mode=mode, id_offset=id_offset)
    system.wait_quiet(since=since, timeout=timeout)
    drained_s = time.time() - since
    runs = system.sync_runs(since=since)
    last: dict[str, dict[str, Any]] = {}
    for cb in system.timed_callbacks():
        if cb["at"] >= since - 0.001:
            last[cb["record_id"]] = cb
    lost = [
        r
        for r in records
        if runs.get(r, 0) == 0
        or last.get(r, {}).get("status") != "Synced"
        or system.sf_patient(r)["sync"]["status"] != "Synced"
    ]
    per_record = [runs.get(r, 0) for r in records]
    return {
        "mode": mode,
        "notifications": total,
        "records": len(records),
        "requests": -(-total // MAX_PER_ENVELOPE) if mode == "batch" else total,
        "accept_s": accept_s,
        "accepted_per_s": total / accept_s,
        "syncs": sum(per_record),
        "syncs_per_record": sum(per_record) / len(records),
        "max_syncs_per_record": max(per_record),
        "drained_s": drained_s,
        "lost": len(lost),
    }


def measure(
    system: System, *, records: int, total: int, first_n: int, timeout: float
) -> dict[str, Any]:
    ids = create_records(system, records, first_n)
    batch = one_burst(
        system, ids, total=total, mode="batch", id_offset=first_n * 1000, timeout=timeout
    )
    single = one_burst(
        system, ids, total=total, mode="single", id_offset=first_n * 1000 + total, timeout=timeout
    )
    return {"batch": batch, "single": single}
