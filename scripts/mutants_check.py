"""After ``mutmut run``: fail on any surviving mutant that docs/mutants.md does not explain.

A survivor is explained by a row of the table in docs/mutants.md whose first cell
is the module (``syncapp.web.signing``) and whose second cell is the mutated
line as ``mutmut show`` prints it after the ``+`` (whitespace-trimmed, in
backticks). Matching on the mutated text rather than on mutmut's numbering keeps
an explanation valid when unrelated lines of the module change.

A survivor that no row explains is run once more, alone (``mutmut run NAME``),
before it fails the check: a CI run on a loaded machine once reported as
survived a mutant that the tests kill whenever it is run again (the body
reader's ``b"XXXX".join``); the cause lies in that parallel run and was not
pinned down. A real survivor survives the rerun too, so the check still fails
on it.

Prints killed / survived / explained / unexplained / no-tests counts; exit 1 if
any survivor is unexplained.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "mutants.md"
MUTMUT = str(Path(sys.executable).parent / "mutmut")
_ROW = re.compile(r"^\|\s*`([\w.]+)`\s*\|\s*`(.+?)`\s*\|")


def _explained() -> set[tuple[str, str]]:
    rows = set()
    for line in DOC.read_text().splitlines():
        match = _ROW.match(line)
        if match:
            rows.add((match.group(1), match.group(2).replace("\\|", "|").strip()))
    return rows


def _results() -> dict[str, str]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    status = {}
    for line in out.splitlines():
        name, _, state = line.strip().rpartition(": ")
        if name:
            status[name] = state
    return status


def _module(name: str) -> str:
    return re.split(r"\.x_|\.xǁ", name, maxsplit=1)[0]


def _mutated_line(name: str) -> str:
    shown = subprocess.run([MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True)
    plus = [
        line[1:].strip()
        for line in shown.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    return plus[0] if plus else "(line removed)"


def _survives_alone(name: str) -> bool:
    """Run one mutant on its own (no parallel workers) and report whether it survived."""
    subprocess.run([MUTMUT, "run", name], cwd=ROOT, capture_output=True, text=True)
    return _results().get(name) in ("survived", "timeout")


def main() -> None:
    status = _results()
    counts: dict[str, int] = {}
    for state in status.values():
        counts[state] = counts.get(state, 0) + 1
    explained = _explained()
    unexplained = []
    for name, state in sorted(status.items()):
        if state not in ("survived", "timeout"):
            continue
        key = (_module(name), _mutated_line(name))
        if key not in explained:
            unexplained.append((name, key[1]))
    print("mutants: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    confirmed = []
    for name, line in unexplained:
        if _survives_alone(name):
            confirmed.append((name, line))
        else:
            print(f"rerun alone killed {name} (reported survived in the parallel run)")
    unexplained = confirmed
    for name, line in unexplained:
        print(f"UNEXPLAINED survivor {name}: {line}")
    print(f"mutants: {len(unexplained)} unexplained survivors (docs/mutants.md)")
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
