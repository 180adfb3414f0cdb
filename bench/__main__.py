"""``python -m bench`` (``make bench``): every performance ratio, measured in one run.

Order matters for cost and for fairness: the measurements that need only the
portal (floor, warm/cold, no-op and update, then again at each ``--latency-ms``
and once more with static files slowed too) run first, with no workers alive to compete
for the two cores; then the org, the web app and worker1 start for the
end-to-end sync, throughput (worker2 joins), the bursts, and memory, which is
sampled from worker1's browser as it passes job milestones (1 and 30) during
the other phases, rather than paid for with extra jobs.

``--quick`` uses small counts (for the smoke test); ``--only NAME`` (repeatable
or comma-separated) runs a subset; a measurement that needs another's numbers
(e2e needs the floor, no-op needs warm creates) runs what it needs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.servers import ROOT

NAMES = ("floor", "warm_cold", "noop", "latency", "e2e", "throughput", "burst", "memory")
STACK_NAMES = {"e2e", "throughput", "burst", "memory"}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
SESSION_CAP = 2  # 2 cores here: one browser per core at most


@dataclass(frozen=True)
class Sizes:
    floor_reps: int
    warm_cold_n: int
    e2e_n: int
    throughput_n: int
    burst_records: int
    burst_total: int
    memory_jobs: int
    timeout: float


FULL = Sizes(10, 5, 5, 10, 50, 500, 30, 240)
QUICK = Sizes(3, 1, 1, 3, 5, 50, 5, 120)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only these ({', '.join(NAMES)}); repeatable or comma-separated",
    )
    p.add_argument(
        "--latency-ms",
        default="150",
        metavar="N[,N...]",
        help="also measure floor and warm jobs at these portal latencies (default 150; "
        "0 ms is always measured; '' for none)",
    )
    p.add_argument(
        "--no-static-latency",
        action="store_true",
        help="skip the pass at the highest latency with static files slowed too",
    )
    p.add_argument(
        "--portal",
        choices=("demo_emr", "gnuhealth"),
        default="demo_emr",
        help="gnuhealth: the real GNU Health beside a plain Selenium script (bench/gnuhealth.py)",
    )
    p.add_argument("--out", type=Path, default=ROOT / ".data" / "bench" / "latest.json")
    p.add_argument(
        "--run-dir",
        type=Path,
        default=ROOT / ".data" / "bench" / "run",
        help="logs of every process of this run (emptied first)",
    )
    args = p.parse_args(argv)
    only = {n.strip() for item in args.only for n in item.split(",") if n.strip()}
    unknown = only - set(NAMES)
    if unknown:
        p.error(f"unknown --only {sorted(unknown)}; choose from {', '.join(NAMES)}")
    args.selected = only or set(NAMES)
    try:
        args.latencies = sorted(
            {float(x) for x in args.latency_ms.split(",") if x.strip() and float(x) > 0}
        )
    except ValueError:
        p.error("--latency-ms takes numbers, e.g. 150 or 50,150")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.portal == "gnuhealth":
        from bench import gnuhealth

        return gnuhealth.main(quick=args.quick)
    sizes = QUICK if args.quick else FULL
    selected: set[str] = args.selected
    prefix = f"bench-{os.getpid()}"

    from bench.system import configure_environment

    configure_environment(prefix, REDIS_URL)  # before anything reads the settings

    from bench import burst, e2e, floor, latency, memory, report, throughput, warm_cold
    from bench.probe import CommandCounter
    from bench.system import System, emr_credentials

    counter = CommandCounter()  # WebDriver commands of this process, per job
    counter.install()

    shutil.rmtree(args.run_dir, ignore_errors=True)
    args.run_dir.mkdir(parents=True)
    user, password = emr_credentials()
    system = System(args.run_dir, prefix=prefix, redis_url=REDIS_URL, session_cap=SESSION_CAP)
    m: dict[str, Any] = {}
    errors: dict[str, str] = {}
    phase_s: dict[str, float] = {}
    t_start = time.monotonic()

    def phase(name: str, fn: Callable[[], object]) -> None:
        print(f"[{time.monotonic() - t_start:6.1f}s] {name} ...", flush=True)
        t0 = time.monotonic()
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - report it and go on with the rest
            errors[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        phase_s[name] = round(time.monotonic() - t0, 1)

    probe: memory.Probe | None = None

    try:
        system.start_emr()
        if selected & {"floor", "e2e"}:

            def run_floor() -> None:
                m["floor"] = floor.measure(
                    system.emr_url,
                    reps=sizes.floor_reps,
                    first_n=1000,
                    username=user,
                    password=password,
                )

            phase("floor (raw HTTP replay)", run_floor)
        if selected & {"warm_cold", "noop"}:

            def run_wc() -> None:
                settings = warm_cold.portal_settings(system.emr_url, args.run_dir, user, password)
                wc = warm_cold.measure(
                    settings,
                    n=sizes.warm_cold_n,
                    first_n=2000,
                    sandboxes=system,
                    cold="warm_cold" in selected,
                    noop="noop" in selected,
                    counter=counter,
                )
                m["warm_cold"] = warm_cold.summary(wc)

            phase("warm vs cold jobs, update and no-op resync (in process)", run_wc)
        if "latency" in selected:
            passes = [(ms, False) for ms in args.latencies]
            if args.latencies and not args.no_static_latency:
                passes.append((args.latencies[-1], True))
            m["latency"] = {}
            for i, (ms, static) in enumerate(passes):

                def run_latency(ms: float = ms, static: bool = static, i: int = i) -> None:
                    same = m["latency"].get(latency.label(ms, False), {}).get("floor")
                    m["latency"][latency.label(ms, static)] = latency.measure(
                        system,
                        latency_ms=ms,
                        static=static,
                        reps=min(sizes.floor_reps, 5),
                        n=sizes.warm_cold_n,
                        first_n=7000 + 100 * i,
                        username=user,
                        password=password,
                        counter=counter,
                        floor_result=same if static else None,
                    )

                what = f"at {ms:g} ms latency" + (", static files too" if static else "")
                phase(f"floor and warm jobs {what}", run_latency)

        if selected & STACK_NAMES:
            phase("start org, web app, worker1 (RabbitMQ + Redis)", system.start_services)
            if not system.services_up:
                print(f"         skipped {sorted(selected & STACK_NAMES)}: the stack did not start")
        if system.services_up:
            if "memory" in selected:
                milestones = tuple(k for k in (1, 10, sizes.memory_jobs) if k <= sizes.memory_jobs)
                probe = memory.Probe(system, "worker1", milestones)
                probe.start()
            if "e2e" in selected:

                def run_e2e() -> None:
                    m["e2e"] = e2e.measure(system, n=sizes.e2e_n, first_n=3000)

                phase("end-to-end sync", run_e2e)
            elif probe is not None:
                phase("first job", lambda: e2e.one_sync(system, 3000))
            if "throughput" in selected:

                def run_tp() -> None:
                    m["throughput"] = throughput.measure(
                        system, per_phase=sizes.throughput_n, first_n=4000, timeout=sizes.timeout
                    )

                phase("throughput, 1 then 2 workers", run_tp)
            if "burst" in selected:

                def run_burst() -> None:
                    system.start_worker("worker2")
                    m["burst"] = burst.measure(
                        system,
                        records=sizes.burst_records,
                        total=sizes.burst_total,
                        first_n=5000,
                        timeout=sizes.timeout,
                    )

                phase("notification bursts", run_burst)
            if probe is not None:

                def run_mem() -> None:
                    assert probe is not None
                    probe.top_up(sizes.memory_jobs, list(range(6000, 6200)), timeout=sizes.timeout)
                    probe.sample("final")
                    probe.stop()
                    m["memory"] = probe.summary(sizes.memory_jobs)
                    for s in m["memory"]["samples"]:
                        print(
                            f"         {s['label']:<14} {s['processes']} processes: "
                            f"RSS {s['rss_mb']:.0f} MB, PSS {s['pss_mb']:.0f} MB, "
                            f"USS {s['uss_mb']:.0f} MB, anonymous {s['anon_mb']:.0f} MB"
                        )

                phase("memory", run_mem)
    finally:
        if probe is not None:
            probe.stop()
        system.stop()
        counter.uninstall()

    rows = report.ratios(m)
    run_info = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "selected": sorted(selected),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "queue_prefix": prefix,
        "seconds": round(time.monotonic() - t_start, 1),
        "phase_seconds": phase_s,
        "errors": errors,
        "logs": str(args.run_dir),
    }
    report.write_json(args.out, run_info, m, rows)
    print()
    print(report.table(rows))
    if report.missed(rows):
        print("\n" + report.missed(rows))
    print(f"\n{len(rows)} ratios in {run_info['seconds']} s; JSON: {args.out}")
    failed = [r.key for r in rows if r.key.endswith("_lost") and r.value > 0]
    if errors or failed:
        print(f"FAILED: {sorted(errors) + failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
