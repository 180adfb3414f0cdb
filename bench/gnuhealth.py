"""``python -m bench --portal gnuhealth``: the sync's page objects on a real EMR, beside a plain script.

On the real GNU Health (installed and reset to its pristine database first):
one worker's warm session (a browser started and logged in once, as a worker
keeps one) does a cold create (browser start and login included), warm
creates, a one-field update by EMR id and a no-op resync by EMR id per patient;
then the baseline, a plain Selenium script starting a new browser per job
(``bench/gnuhealth_plain.py``), creates and updates the same way. Medians in
seconds; the targets are for 2 cores.

SAO's own RPCs are the floor here (there is no other way in for staff): each
warm job is costed from the page's Resource Timing entries (read by the bench
after the job, outside its time) as the number of JSON-RPC calls SAO made and
the seconds with at least one of them in flight (*RPC busy*); the rest of the
job is *client-side* time (Chromium, SAO's own rendering, WebDriver, Python).
WebDriver commands are counted as in ``bench/probe.py``.

The bench runs on a database of its own (``bench``, on a free port), reset to
pristine first, so it never wipes the ``health`` database ``make gnuhealth``
shows staff.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from selenium.common.exceptions import WebDriverException

from bench.probe import CommandCounter
from portal_pages import PortalClient
from portal_pages.core.us import US_STATE_NAMES
from scripts.gnuhealth import chart
from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.rpc import Rpc
from scripts.gnuhealth.server import reset, stop
from syncapp.bundle import PatientBundle, validate_bundle
from syncapp.settings import Settings
from tests.support.servers import ROOT, free_port

TARGETS = {"warm_create": 8.0, "update": 5.0, "noop": 2.5}

# Resource Timing of the XHRs SAO made since the last clear; the buffer is made
# large enough for a whole job first (250 entries by default).
_RPC_ENTRIES_JS = """
var out = performance.getEntriesByType('resource').filter(function (e) {
  return e.initiatorType === 'xmlhttprequest' || e.initiatorType === 'fetch'; })
  .map(function (e) { return [e.startTime, e.responseEnd]; });
performance.clearResourceTimings();
performance.setResourceTimingBufferSize(100000);
return out;
"""
LETTERS = "ABCDEFGHIJ"


def _bundle(i: int) -> PatientBundle:
    data = json.loads((ROOT / "sandbox" / "samples" / "liam-st-james.json").read_text())
    data["patient"]["last_name"] = f"Bench{LETTERS[i // 10]}{LETTERS[i % 10]}"
    data["patient"]["date_of_birth"] = f"19{70 + i % 30}-0{1 + i % 9}-1{i % 10}"
    for c in data["insurance"]:
        c["member_id"] = f"{c['member_id'][:12]}B{i}"
    return validate_bundle(data)


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2) if xs else float("nan")


def _busy_s(spans: list[list[float]]) -> float:
    """Seconds with at least one RPC in flight (union of the intervals, in ms)."""
    busy, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            busy += b - max(a, end)
            end = b
    return busy / 1000


class _Costed:
    """A warm job's time, RPC count and busy time, and WebDriver commands."""

    def __init__(self, client: PortalClient, counter: CommandCounter) -> None:
        self.client, self.counter = client, counter
        self.rows: dict[str, list[dict]] = {}

    def _rpcs(self) -> list[list[float]]:
        driver = self.client.driver
        return driver.execute_script(_RPC_ENTRIES_JS) if driver is not None else []

    def run(self, kind: str, job):
        self._rpcs()  # clears what earlier steps left
        c0, _ = self.counter.snapshot()
        secs, result = _timed(job)
        commands = self.counter.snapshot()[0] - c0
        spans = self._rpcs()
        busy = _busy_s(spans)
        self.rows.setdefault(kind, []).append(
            {
                "s": secs,
                "rpcs": len(spans),
                "rpc_busy_s": busy,
                "client_s": secs - busy,
                "webdriver_commands": commands,
            }
        )
        return secs, result

    def medians(self) -> dict[str, dict[str, float]]:
        return {
            kind: {key: _median([r[key] for r in rows]) for key in rows[0]}
            for kind, rows in self.rows.items()
        }


def measure(n: int = 3, plain_n: int = 2) -> dict:
    env = {"GNUHEALTH_DATABASE": "bench", "GNUHEALTH_PORT": str(free_port()), **os.environ}
    lay = Layout.from_env(env)
    reset(lay)  # installs the bench's own database the first time (about a minute)
    os.environ["EMR_GNUHEALTH_DATABASE"] = lay.database  # the adapter's SAO login
    try:
        return _measure(lay, n, plain_n)
    finally:
        stop(lay)


def _measure(lay: Layout, n: int, plain_n: int) -> dict:
    settings = Settings(
        emr_portal="gnuhealth",
        emr_url=lay.url.rstrip("/"),
        emr_username="admin",
        emr_password=lay.password,
        emr_artifact_dir=Path(tempfile.mkdtemp(prefix="bench-gnuhealth-")),
    )
    out: dict[str, list[float]] = {"cold_create": [], "warm_create": [], "update": [], "noop": []}
    ids: list[tuple[PatientBundle, str]] = []
    counter = CommandCounter()
    counter.install()
    with PortalClient.from_settings(settings) as client:
        costed = _Costed(client, counter)
        for i in range(n + 1):
            bundle = _bundle(i)
            if i == 0:
                secs, result = _timed(lambda b=bundle: client.upsert(b))
            else:
                secs, result = costed.run("warm_create", lambda b=bundle: client.upsert(b))
            out["cold_create" if i == 0 else "warm_create"].append(secs)
            ids.append((bundle, result.emr_patient_id))
        for bundle, mrn in ids[1:]:
            bundle.patient.phone = "(555) 010-4242"
            secs, result = costed.run(
                "update", lambda b=bundle, m=mrn: client.upsert(b, emr_patient_id=m)
            )
            assert result.changed_fields == ["demographics.phone"], result.changed_fields
            out["update"].append(secs)
            secs, result = costed.run(
                "noop", lambda b=bundle, m=mrn: client.upsert(b, emr_patient_id=m)
            )
            assert result.changed_fields == [], result.changed_fields
            out["noop"].append(secs)
    counter.uninstall()
    rpc = Rpc(lay)
    for _, mrn in ids[1:]:
        assert chart.stored(rpc, mrn)["demographics.phone"] == "(555) 010-4242"
    plain: dict[str, list[float]] = {"create": [], "update": []}
    from bench import gnuhealth_plain

    sao = f"{lay.url}#{lay.database}"
    plain_failures: list[str] = []
    plain_fields: list[list[str]] = []  # the same create: the same fields stored as the sync's
    sync_fields = _filled(chart.stored(rpc, ids[1][1]))
    for i in range(plain_n):
        patient = _bundle(50 + i).model_dump(mode="json")
        state = US_STATE_NAMES[patient["patient"]["address"]["state"]]
        try:  # a plain script is flaky on a busy SAO: count it, keep the sync's numbers
            t0 = time.perf_counter()
            puid = gnuhealth_plain.create(
                sao, lay.password, patient["patient"], patient["insurance"], state
            )
            plain["create"].append(time.perf_counter() - t0)
            plain_fields.append(_filled(chart.stored(rpc, puid)))
            t0 = time.perf_counter()
            gnuhealth_plain.update_phone(sao, lay.password, patient["patient"], "(555) 010-7777")
            plain["update"].append(time.perf_counter() - t0)
        except WebDriverException as exc:
            plain_failures.append(type(exc).__name__)
    return {
        "plain_failures": plain_failures,
        "plain_same_create": all(f == sync_fields for f in plain_fields),
        "load_average": os.getloadavg(),
        "costs": costed.medians(),
        "sync": {k: _median(v) for k, v in out.items()},
        "plain": {k: _median(v) for k, v in plain.items()},
        "raw": {**out, **{f"plain_{k}": v for k, v in plain.items()}},
    }


def _filled(stored: dict[str, str]) -> list[str]:
    return sorted(k for k, v in stored.items() if v)


def report(m: dict) -> str:
    s, p = m["sync"], m["plain"]
    rows = [
        ("cold create (browser start + login)", s["cold_create"], None, p["create"]),
        ("warm create", s["warm_create"], TARGETS["warm_create"], p["create"]),
        ("one-field update by EMR id", s["update"], TARGETS["update"], p["update"]),
        ("no-op resync by EMR id", s["noop"], TARGETS["noop"], p["update"]),
    ]
    lines = [f"{'GNU Health (medians, s)':<38}{'sync':>7}{'target':>8}{'plain':>8}{'x faster':>10}"]
    for name, value, target, base in rows:
        t = f"{target:.1f}" if target else "-"
        ok = "" if target is None else ("  ok" if value <= target else "  MISSED")
        faster = f"{base / value:>9.1f}x" if base == base else f"{'-':>10}"  # NaN: no baseline
        lines.append(f"{name:<38}{value:>7.2f}{t:>8}{base:>8.2f}{faster}{ok}")
    lines.append("")
    lines.append(
        f"{'warm jobs: where the time goes (medians)':<42}{'job s':>7}{'RPCs':>6}"
        f"{'RPC busy':>10}{'client s':>10}{'WebDriver':>11}"
    )
    for kind, label in (("warm_create", "warm create"), ("update", "update"), ("noop", "no-op")):
        c = m.get("costs", {}).get(kind)
        if c:
            lines.append(
                f"{label:<42}{c['s']:>7.2f}{c['rpcs']:>6.0f}{c['rpc_busy_s']:>10.2f}"
                f"{c['client_s']:>10.2f}{c['webdriver_commands']:>11.0f}"
            )
    if not m.get("plain_same_create", True):
        lines.append("(the plain script's create stored other fields than the sync's)")
    if m.get("plain_failures"):
        lines.append(
            f"(plain script: {len(m['plain_failures'])} job(s) failed: {m['plain_failures']})"
        )
    load = m.get("load_average")
    if load:
        lines.append(f"(load average at the end: {load[0]:.1f}; 2-core targets)")
    return "\n".join(lines)


def main(quick: bool = False) -> int:
    m = measure(n=1 if quick else 3, plain_n=1 if quick else 2)
    print(report(m))
    path = ROOT / ".data" / "bench" / "gnuhealth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(m, indent=2))
    print(f"(raw numbers: {path})")
    return 0
