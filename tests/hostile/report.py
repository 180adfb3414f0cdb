"""Print docs/RELIABILITY.md's "Input" table from a hostile-suite tally.

HOSTILE_REPORT=.data/hostile.json .venv/bin/python -m pytest -q tests/hostile
.venv/bin/python -m tests.hostile.report .data/hostile.json
"""

from __future__ import annotations

import json
import sys


def table(tally: dict[str, dict[str, int]]) -> str:
    rows = [
        "| input class | cases tried | refused with 4xx | enqueued by mistake | leaked |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    total = {"cases": 0, "refused_4xx": 0, "enqueued_by_mistake": 0, "leaked": 0}
    for kind, row in tally.items():
        if kind == "control":
            continue
        rows.append(
            f"| {kind} | {row['cases']} | {row['refused_4xx']} | "
            f"{row['enqueued_by_mistake']} | {row['leaked']} |"
        )
        for key in total:
            total[key] += row[key]
    rows.append(
        f"| **all hostile requests** | **{total['cases']}** | **{total['refused_4xx']}** | "
        f"**{total['enqueued_by_mistake']}** | **{total['leaked']}** |"
    )
    control = tally.get("control")
    if control:
        rows.append(
            f"| (controls: genuine requests, must succeed) | {control['cases']} | "
            f"{control['refused_4xx']} | — | {control['leaked']} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(json.load(open(sys.argv[1]))))
