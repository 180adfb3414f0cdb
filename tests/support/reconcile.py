"""A full reconciliation of both sandboxes after a fault scenario, and leaked processes.

Every fault scenario ends here. For each Salesforce record the scenario made:

* **lost**       - no final status, or ``Synced`` without a chart, or an unexpected ``Failed``;
* **wrong**      - its chart differs from the record (on what both hold), or a record
                   expected to fail was synced, or failed without the expected reason;
* **duplicated** - a patient with more than one chart, a chart claimed by two
                   records, or a note written twice;
* **leaked**     - processes of the stack's run (by its queue prefix in their
                   environment) still alive after the stack stopped: browsers above all.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field

from sandbox.inspection import Sandboxes
from tests.support.fixtures import normalise
from tests.support.procs import ppid


@dataclass
class Tally:
    records: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    leaked: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "problems"}

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.wrong or self.leaked)


def reconcile(
    sandboxes: Sandboxes, record_ids: list[str], expect_failed: dict[str, str] | None = None
) -> Tally:
    """Compare every record with the EMR. ``expect_failed``: record id -> text its error names."""
    expect_failed = expect_failed or {}
    tally = Tally(records=len(record_ids))
    charts = sandboxes.charts()
    by_mrn: dict[str, list[dict]] = {}
    for chart in charts:
        by_mrn.setdefault(chart["emr_patient_id"], []).append(chart)
    claimed: Counter[str] = Counter()

    for record_id in record_ids:
        record = sandboxes.sf_patient(record_id)
        sync = record["sync"]
        if record_id in expect_failed:
            if sync["status"] != "Failed" or expect_failed[record_id] not in (sync["error"] or ""):
                tally.wrong += 1
                tally.problems.append(f"{record_id}: expected Failed, got {sync['status']}")
            continue
        if sync["status"] != "Synced" or not sync["emr_patient_id"]:
            tally.lost += 1
            tally.problems.append(f"{record_id}: status {sync['status']}")
            continue
        mrn = sync["emr_patient_id"]
        claimed[mrn] += 1
        found = by_mrn.get(mrn, [])
        if not found:
            tally.lost += 1
            tally.problems.append(f"{record_id}: Synced, but no chart {mrn}")
            continue
        chart = found[0]
        notes = Counter((n.get("salesforce_id"), n["text"]) for n in chart.get("notes", []))
        if any(count > 1 for count in notes.values()):
            tally.duplicated += 1
            tally.problems.append(f"{record_id}: a note written twice in {mrn}")
        if _without_repeats(normalise(chart)) != normalise(record):
            tally.wrong += 1
            tally.problems.append(f"{record_id}: chart {mrn} differs from the record")

    identities = Counter(
        (c["patient"]["last_name"].lower(), c["patient"]["date_of_birth"]) for c in charts
    )
    extra_charts = sum(n - 1 for n in identities.values() if n > 1)
    shared = sum(n - 1 for n in claimed.values() if n > 1)
    if extra_charts or shared:
        tally.duplicated += extra_charts + shared
        tally.problems.append(f"{extra_charts} extra charts, {shared} charts shared")
    return tally


def _without_repeats(normalised: dict) -> dict:
    """A note written twice is counted as duplicated, not also as wrong."""
    seen, notes = set(), []
    for note in normalised["notes"]:
        key = tuple(sorted(note.items()))
        if key not in seen:
            seen.add(key)
            notes.append(note)
    return {**normalised, "notes": notes}


def leaked_processes(prefix: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries ``SYNC_QUEUE_PREFIX=<prefix>`` (not us)."""
    marker = f"SYNC_QUEUE_PREFIX={prefix}".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
            with open(f"/proc/{entry}/comm") as fh:
                name = fh.read().strip()
        except OSError:
            continue
        if marker in env and state != b"Z":
            found.append((int(entry), name))
    return found


BROWSER = ("chromedriver", "chromium", "chrome", "chrome_crashpad")


def orphan_browsers(prefix: str, workers: list[int]) -> list[tuple[int, str]]:
    """Browser processes of the run that no live worker owns (a killed worker's leftovers).

    Counted while the stack still runs: stopping it signals the workers' whole
    process groups, which would hide a leak that lasts as long as the worker.
    """
    owners = set(workers)
    out = []
    for pid, name in leaked_processes(prefix):
        if not name.startswith(BROWSER):
            continue
        up, hops = pid, 0
        while up > 1 and up not in owners and hops < 64:
            up, hops = ppid(up), hops + 1
        if up not in owners:
            out.append((pid, name))
    return out
