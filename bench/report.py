"""Turn one run's measurements into ratios: a table for people, JSON for tools.

Ratios, not seconds, are the result: both sides of each ratio were measured
in the same run on the same machine, so the machine's speed mostly cancels
out. Each row keeps its raw numbers beside it, and a goal where the design
states a direction (a goal missed is printed, not raised: a noisy 2-core box
is not a test). Correctness checks (nothing lost, the floor built the right
chart, a no-op wrote nothing) do fail the run.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import cost_rows
from bench.ratio import Ratio


def _get(d: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or d.get(p) is None:
            return None
        d = d[p]
    return d


def ratios(m: dict[str, Any]) -> list[Ratio]:
    """Every ratio the measurements in ``m`` allow (a module not run gives no row)."""
    out: list[Ratio] = []
    floor_total, floor_job = _get(m, "floor", "total_s"), _get(m, "floor", "job_s")
    e2e, portal = _get(m, "e2e", "e2e_s"), _get(m, "e2e", "portal_s")
    if floor_total and e2e:
        out.append(
            Ratio(
                "e2e_vs_floor",
                "end-to-end sync / raw-HTTP floor (login + intake)",
                e2e / floor_total,
                f"{e2e:.2f} s vs {floor_total * 1000:.0f} ms",
            )
        )
        out.append(
            Ratio(
                "e2e_vs_floor_session",
                "end-to-end sync / floor in an open session",
                e2e / floor_job,
                f"{e2e:.2f} s vs {floor_job * 1000:.0f} ms",
            )
        )
    if floor_total and portal:
        out.append(
            Ratio(
                "portal_vs_floor",
                "in-worker portal time / raw-HTTP floor (login + intake)",
                portal / floor_total,
                f"{portal:.2f} s vs {floor_total * 1000:.0f} ms",
            )
        )
    if e2e and portal:
        out.append(
            Ratio(
                "e2e_vs_portal",
                "end-to-end sync / in-worker portal time (pipeline overhead)",
                e2e / portal,
                f"{e2e:.2f} s vs {portal:.2f} s",
                "<= 1.5",
            )
        )
    first_sync = _get(m, "e2e", "first_sync_s")
    if first_sync and e2e:
        out.append(
            Ratio(
                "e2e_first_vs_warm",
                "end-to-end sync, worker's first job / later jobs",
                first_sync / e2e,
                f"{first_sync:.2f} s vs {e2e:.2f} s (browser start + login once per worker)",
            )
        )
    warm, cold = _get(m, "warm_cold", "warm_create_s"), _get(m, "warm_cold", "cold_create_s")
    if warm and cold:
        out.append(
            Ratio(
                "cold_vs_warm",
                "cold job (new browser + login) / warm job (reused session)",
                cold / warm,
                f"{cold:.2f} s vs {warm:.2f} s",
                ">= 2",
            )
        )
    if cold and floor_total:
        out.append(
            Ratio(
                "cold_vs_floor",
                "cold job in the browser / raw-HTTP floor (login + intake)",
                cold / floor_total,
                f"{cold:.2f} s vs {floor_total * 1000:.0f} ms",
            )
        )
    noop = _get(m, "warm_cold", "noop_s")
    if warm and noop:
        out.append(
            Ratio(
                "noop_vs_create",
                "no-op resync / full create (both warm)",
                noop / warm,
                f"{noop:.2f} s vs {warm:.2f} s; "
                f"{_get(m, 'warm_cold', 'noop_fields_written')} fields written",
                "<= 0.5",
            )
        )
    one, two = _get(m, "throughput", "one_worker"), _get(m, "throughput", "two_workers")
    if one and two:
        out.append(
            Ratio(
                "throughput_2_vs_1",
                "throughput, 2 workers / 1 worker",
                two["per_s"] / one["per_s"],
                f"{two['per_s'] * 60:.1f} vs {one['per_s'] * 60:.1f} patients/min "
                f"({two['patients']} and {one['patients']} patients)",
                ">= 1.3",
            )
        )
    for mode in ("batch", "single"):
        b = _get(m, "burst", mode)
        if not b:
            continue
        how = "batches of 100" if mode == "batch" else "1 per request, 4 clients"
        out.append(
            Ratio(
                f"burst_{mode}_accepted_per_s",
                f"burst ({how}): notifications accepted / s",
                b["accepted_per_s"],
                f"{b['notifications']} in {b['accept_s']:.2f} s",
            )
        )
        out.append(
            Ratio(
                f"burst_{mode}_syncs_per_record",
                f"burst ({how}): syncs / distinct record",
                b["syncs_per_record"],
                f"{b['syncs']} syncs for {b['records']} records, max {b['max_syncs_per_record']}; "
                f"drained in {b['drained_s']:.1f} s",
                "<= 2",
            )
        )
        out.append(
            Ratio(
                f"burst_{mode}_lost",
                f"burst ({how}): records not ending Synced",
                b["lost"],
                f"of {b['records']}",
                "<= 0",
            )
        )
    first, warm_mem = _get(m, "memory", "first"), _get(m, "memory", "warm")
    later = _get(m, "memory", "at_target")
    if first and later and first["rss_mb"]:
        pairs = [
            ("rss", "rss_growth", "RSS", first, "<= 1.25"),
            ("anon", "anon_growth", "anonymous (heaps)", first, None),
            ("pss", "pss_growth", "PSS (moves with other browsers)", first, None),
        ]
        if warm_mem and warm_mem["jobs"] > first["jobs"] and later["jobs"] > warm_mem["jobs"]:
            pairs.insert(2, ("anon", "anon_growth_warm", "anonymous (heaps)", warm_mem, "<= 1.1"))
        for key, name, label, base, goal in pairs:
            out.append(
                Ratio(
                    f"browser_{name}",
                    f"worker's browser {label}, after {later['jobs']} jobs / after {base['jobs']}",
                    later[f"{key}_mb"] / base[f"{key}_mb"],
                    f"{later[f'{key}_mb']:.0f} vs {base[f'{key}_mb']:.0f} MB"
                    + (f"; {later['processes']} processes" if key == "rss" else ""),
                    goal,
                )
            )
    out += cost_rows.rows(m)
    return out


def missed(rows: list[Ratio]) -> str:
    """One paragraph per missed goal: by how much, and where the time went."""
    lines = []
    for r in rows:
        if r.met is False:
            by = f" by {r.missed_by:.0%}" if r.missed_by is not None else ""
            lines.append(f"MISSED{by}: {r.key} = {r.value:.2f}, goal {r.goal}")
            if r.why:
                lines.append(f"    {r.why}")
    return "\n".join(lines)


def table(rows: list[Ratio]) -> str:
    width = max((len(r.name) for r in rows), default=10)
    lines = [f"{'ratio':<{width}}  {'value':>9}  {'goal':>7}      raw numbers", "-" * (width + 60)]
    for r in rows:
        mark = "" if r.met is None else ("ok" if r.met else "MISSED")
        value = f"{r.value:9.0f}" if r.value >= 100 else f"{r.value:9.2f}"
        lines.append(f"{r.name:<{width}}  {value}  {r.goal or '':>7} {mark:<6} {r.raw}")
    return "\n".join(lines)


def write_json(
    path: Path, run: dict[str, Any], measurements: dict[str, Any], rows: list[Ratio]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "run": run,
        "ratios": {r.key: {**asdict(r), "met": r.met, "missed_by": r.missed_by} for r in rows},
        "measurements": measurements,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
