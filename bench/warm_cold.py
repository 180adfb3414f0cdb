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
every section and write nothing; the portal's write log checks that.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from portal_pages import PortalClient
from sandbox.fixtures import make_bundle
from syncapp.bundle import validate_bundle
from syncapp.settings import Settings


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


@dataclass
class WarmCold:
    first_job_s: float = 0.0  # the warm client's first job: browser start + login + create
    warm: list[Job] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    noop_writes: int = 0


def _upsert(client: PortalClient, bundle: dict[str, Any], mrn: str | None = None) -> Job:
    valid = validate_bundle(bundle)
    t0 = time.perf_counter()
    result = client.upsert(valid, emr_patient_id=mrn, record_id=bundle["salesforce_id"])
    seconds = time.perf_counter() - t0
    if result.emr_patient_id is None:
        raise RuntimeError("upsert returned no MRN")
    if mrn is None and not result.created:
        raise RuntimeError("expected a create, the portal found an existing chart")
    if mrn is not None and result.changed_fields:
        raise RuntimeError(f"no-op resync changed {result.changed_fields}")
    return Job(bundle, seconds, result.emr_patient_id)


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
    settings: Settings, *, n: int, first_n: int, cold: bool = True, noop: bool = True
) -> WarmCold:
    """``n`` warm creates (after one uncounted warm-up) interleaved with ``n`` cold ones,
    then ``n`` no-op resyncs of the warm-created charts in the same warm client."""
    out = WarmCold()
    numbers = iter(range(first_n, first_n + 3 * n + 1))
    client = PortalClient.from_settings(settings)
    try:
        out.first_job_s = _upsert(client, make_bundle(next(numbers), with_ids=True)).seconds
        for _ in range(n):
            out.warm.append(_upsert(client, make_bundle(next(numbers), with_ids=True)))
            if cold:
                out.cold.append(_cold_job(settings, make_bundle(next(numbers), with_ids=True)))
        if noop:
            before = len(_writes(settings.emr_url))
            for job in out.warm:
                out.noop.append(_upsert(client, job.bundle, mrn=job.mrn).seconds)
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
    return out
