"""Smoke test of ``python -m bench``: it runs, measures, and writes ratios.

Only the parts that need nothing but the sandbox portal and a browser (the
raw-HTTP floors and one warm/cold job pair, update and no-op, then again at a
small latency), in quick mode. No timing is
asserted: speed targets live in the bench's own report, not in tests, because
a loaded CI machine would make them flaky.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

from tests.support.servers import ROOT


def test_quick_floor_and_warm_cold_give_positive_ratios(tmp_path):
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "floor,warm_cold,noop,latency",
            "--latency-ms",
            "20",
            "--no-static-latency",
            "--out",
            str(out),
            "--run-dir",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,  # under the suite's 300 s per test: a loaded machine took > 120 s
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["run"]["errors"] == {}

    floor = result["measurements"]["floor"]
    assert floor["requests_per_intake"] > 0
    assert floor["total_s"] > 0

    ratios = result["ratios"]
    assert {
        "cold_vs_warm",
        "warm_vs_floor",
        "update_vs_floor",
        "noop_vs_floor",
        "warm_client_s",
        "warm_vs_floor_20ms",
        "noop_vs_floor_20ms",
    } <= set(ratios)
    costs = result["measurements"]["latency"]["20ms"]["warm_cold"]["costs"]
    for kind in ("warm", "update", "noop"):
        # the portal's request log and the WebDriver counter both saw the job
        assert costs[kind]["requests"]["xhr"] > 0 and costs[kind]["requests"]["document"] > 0
        assert costs[kind]["commands"] > 0
        assert 0 < costs[kind]["portal_s"] < costs[kind]["seconds"]
    for ratio in ratios.values():
        assert isinstance(ratio["value"], float | int)
        assert math.isfinite(ratio["value"]) and ratio["value"] > 0, ratio
    assert "cold job" in proc.stdout  # the table was printed
