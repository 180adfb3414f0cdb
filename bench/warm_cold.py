"""Warm job vs cold job, and no-op resync vs full create, with the real page objects.

The worker keeps one logged-in browser for its whole life (``PortalClient``
reuses its session); the Node/Puppeteer case study started a browser and
logged in for every job. Both are measured here on the same portal, in the
same process, interleaved (warm, cold, warm, cold, ...) so that drift in the
machine's load hits both alike. A cold job is timed from "new client" to
"browser quit", as the case study's jobs were.

The no-op resync is the commonest job in production (a notification for a
record whose synced fields did not change): the charts made by the warm
creates are upserted again with the same bundle and their MRN. It must read
every section and write nothing; the portal's write log checks that. The
one-field update (the next commonest) changes the phone number of each of
those charts by EMR id: it must write exactly that field.

Every warm job is also costed (``bench.probe``): its portal requests by kind,
the time the portal spent on them, the rest (client-side time) and the
WebDriver commands it sent.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.floor import UPDATED_PHONE
from bench.probe import CommandCounter, JobCost, measured, summarise
from portal_pages import PortalClient
from sandbox.inspection import Sandboxes
from syncapp.bundle import validate_bundle
from syncapp.settings import Settings
from tests.support.fixtures import make_bundle


def portal_settings(emr_url: str, run_dir: Path, username: str, password: str) -> Settings:
    """The settings a worker would have, pointed at the bench's sandbox portal."""
    return Settings(
        emr_url=emr_url,
        emr_username=username,
        emr_password=password,
        emr_artifact_dir=run_dir / "artifacts",
        emr_session_max_jobs=10_000,  # the bench decides when a browser ends
    )


@dataclass
class Job:
    bundle: dict[str, Any]
    seconds: float
    mrn: str
    cost: JobCost | None = None


@dataclass
class WarmCold:
    first_job_s: float = 0.0  # the warm client's first job: browser start + login + create
    warm: list[Job] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    noop_writes: int = 0
    update: list[float] = field(default_factory=list)
    update_writes: int = 0
    costs: dict[str, list[JobCost]] = field(default_factory=dict)


def _upsert(
    client: PortalClient,
    bundle: dict[str, Any],
    mrn: str | None = None,
    *,
    changes: list[str] | None = None,
) -> Job:
    """One job; by EMR id it must change exactly ``changes`` (nothing by default)."""
    valid = validate_bundle(bundle)
    t0 = time.perf_counter()
    result = client.upsert(valid, emr_patient_id=mrn, record_id=bundle["salesforce_id"])
    seconds = time.perf_counter() - t0
    if result.emr_patient_id is None:
        raise RuntimeError("upsert returned no MRN")
    if mrn is None and not result.created:
        raise RuntimeError("expected a create, the portal found an existing chart")
    if mrn is not None and result.changed_fields != (changes or []):
        raise RuntimeError(f"resync changed {result.changed_fields}, expected {changes or []}")
    return Job(bundle, seconds, result.emr_patient_id)


def updated(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same patient with one field changed (the floor's update changes the same one)."""
    out = copy.deepcopy(bundle)
    out["patient"]["phone"] = UPDATED_PHONE
    return out


def _cold_job(settings: Settings, bundle: dict[str, Any]) -> float:
    """New browser, log in, create, quit: the case study's job."""
    t0 = time.perf_counter()
    client = PortalClient.from_settings(settings)
    try:
        _upsert(client, bundle)
    finally:
        client.close()
    return time.perf_counter() - t0


def measure(
    settings: Settings,
    *,
    n: int,
    first_n: int,
    sandboxes: Sandboxes,
    cold: bool = True,
    noop: bool = True,
    update: bool = True,
    counter: CommandCounter | None = None,
) -> WarmCold:
    """``n`` warm creates (after one uncounted warm-up) interleaved with ``n`` cold ones,
    then ``n`` one-field updates and ``n`` no-op resyncs of the warm-created charts by
    EMR id, in the same warm client; every warm job costed."""
    out = WarmCold()
    numbers = iter(range(first_n, first_n + 3 * n + 1))
    client = PortalClient.from_settings(settings)

    def costed(kind: str, run: Callable[[], Job]) -> Job:
        with measured(sandboxes, counter) as cost:
            job = run()
        job.cost = cost
        out.costs.setdefault(kind, []).append(cost)
        return job

    try:
        out.first_job_s = _upsert(client, make_bundle(next(numbers), with_ids=True)).seconds
        for _ in range(n):
            bundle = make_bundle(next(numbers), with_ids=True)
            out.warm.append(costed("warm", lambda b=bundle: _upsert(client, b)))
            if cold:
                out.cold.append(_cold_job(settings, make_bundle(next(numbers), with_ids=True)))
        if update:
            before = len(_writes(settings.emr_url))
            for job in out.warm:
                job.bundle = updated(job.bundle)
                done = costed(
                    "update",
                    lambda j=job: _upsert(
                        client, j.bundle, mrn=j.mrn, changes=["demographics.phone"]
                    ),
                )
                out.update.append(done.seconds)
            out.update_writes = len(_writes(settings.emr_url)) - before
            if out.update_writes != len(out.warm):
                raise RuntimeError(f"{len(out.warm)} updates wrote {out.update_writes} fields")
        if noop:
            before = len(_writes(settings.emr_url))
            for job in out.warm:
                done = costed("noop", lambda j=job: _upsert(client, j.bundle, mrn=j.mrn))
                out.noop.append(done.seconds)
            out.noop_writes = len(_writes(settings.emr_url)) - before
    finally:
        client.close()
    return out


def _writes(emr_url: str) -> list[dict[str, Any]]:
    return requests.get(f"{emr_url}/__sandbox__/writes", timeout=10).json()


def summary(wc: WarmCold) -> dict[str, Any]:
    """Medians (robust to one slow outlier on a noisy 2-core machine) and the samples."""
    out: dict[str, Any] = {"first_job_s": wc.first_job_s}
    warm = [j.seconds for j in wc.warm]
    if warm:
        out["warm_create_s"] = statistics.median(warm)
        out["samples_warm_s"] = [round(s, 3) for s in warm]
    if wc.cold:
        out["cold_create_s"] = statistics.median(wc.cold)
        out["samples_cold_s"] = [round(s, 3) for s in wc.cold]
    if wc.noop:
        out["noop_s"] = statistics.median(wc.noop)
        out["samples_noop_s"] = [round(s, 3) for s in wc.noop]
        out["noop_fields_written"] = wc.noop_writes
    if wc.update:
        out["update_s"] = statistics.median(wc.update)
        out["samples_update_s"] = [round(s, 3) for s in wc.update]
        out["update_fields_written"] = wc.update_writes
    # per kind of warm job: requests by kind, portal / client time, WebDriver commands
    out["costs"] = {kind: summarise(costs) for kind, costs in wc.costs.items()}
    return out
