"""The portal-only measurements again at a realistic latency, and with static files slowed.

A clinic's EMR is hosted: every request pays network and server latency, and
what limits a day's syncs is the portal's session licence, not CPU. At 0 ms
Chromium's own CPU work dominates every ratio; at 150 ms per request the
question becomes how many round trips the browser adds to the portal's own.
Each pass sets the sandbox's ``latency_ms`` knob, measures the raw-HTTP floors
(create, one-field update, no-op, in an open session) and the warm browser
doing the same jobs, costed per job, then puts the knob back. The static pass
also slows ``/static/*`` (``static_latency``), which the sandbox exempts by
default: it shows what revalidating the portal's assets would cost over a
real network. Cold jobs are measured at 0 ms only (they add nothing here).
"""

from __future__ import annotations

from typing import Any

import requests

from bench import floor, warm_cold
from bench.probe import CommandCounter
from bench.system import System


def label(latency_ms: float, static: bool) -> str:
    """``150ms`` or ``150ms_static``: the suffix of this pass's ratio keys."""
    return f"{latency_ms:g}ms" + ("_static" if static else "")


def measure(
    system: System,
    *,
    latency_ms: float,
    static: bool,
    reps: int,
    n: int,
    first_n: int,
    username: str,
    password: str,
    counter: CommandCounter,
    floor_result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One pass; ``floor_result`` reuses a floor measured at the same latency (it loads
    no static files, so the static knob does not change it)."""
    system.emr_faults(latency_ms=latency_ms, static_latency=1 if static else 0)
    try:
        if floor_result is None:
            floor_result = floor.measure(
                system.emr_url,
                reps=reps,
                first_n=first_n,
                username=username,
                password=password,
            )
        settings = warm_cold.portal_settings(system.emr_url, system.run_dir, username, password)
        wc = warm_cold.measure(
            settings,
            n=n,
            first_n=first_n + reps,
            sandboxes=system,
            cold=False,
            counter=counter,
        )
    finally:
        system.emr_faults(latency_ms=0, static_latency=0)
    return {
        "latency_ms": latency_ms,
        "static_latency": static,
        "floor": floor_result,
        "warm_cold": warm_cold.summary(wc),
        "static_cache_control": static_cache_control(system.emr_url),
    }


def static_cache_control(emr_url: str) -> str | None:
    """What the portal lets a browser cache: ``no-cache`` means revalidate (a 304) every load."""
    resp = requests.get(f"{emr_url}/static/portal.js", timeout=10)
    return resp.headers.get("Cache-Control")
