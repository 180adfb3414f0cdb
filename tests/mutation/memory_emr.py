"""An EMR held in dicts behind the ``Portal`` protocol, for the upsert's exact tests.

The protocol is ours, so this replaces nothing that runs here for real: the
browser tests (``tests/portal_pages/test_upsert.py``) drive the same upsert
against the sandbox portal in Chromium. This one is fast enough to run once per
mutant (``make mutants``), and it records every call with the arguments that
matter, so a test can see which chart was opened, searched, created or saved
and whether a save was told to report a new id.

Knobs a test sets:

* ``saves_once`` / ``reports_assigned_ids``: the adapter's two shapes;
* ``fail[method]``: exceptions raised by that method, one per call, before it
  does anything; ``lost[method]``: raised *after* it did its work (a lost answer);
* ``extra_hits``: ids the search returns besides the matching charts (a twin
  entered by someone else).
"""

from __future__ import annotations

import copy

from portal_pages import diff
from portal_pages.diff import GuardianRow


class MemoryEmr:
    name = "memory"
    not_stored: frozenset[str] = frozenset()
    saves_once = False
    reports_assigned_ids = False

    def __init__(self, **knobs) -> None:
        self.charts: dict[str, dict] = {}
        self.open: dict | None = None  # the chart shown (a copy while a saves_once edit is staged)
        self.calls: list[tuple] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.lost: dict[str, list[BaseException]] = {}
        self.extra_hits: list[str] = []
        self.rows = 0
        for key, value in knobs.items():
            setattr(self, key, value)

    # --- bookkeeping ------------------------------------------------------------
    def _enter(self, name: str, *args) -> None:
        self.calls.append((name, *args))
        if self.fail.get(name):
            raise self.fail[name].pop(0)

    def _leave(self, name: str) -> None:
        if self.lost.get(name):
            raise self.lost[name].pop(0)

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]

    def _show(self, mrn: str) -> None:
        chart = self.charts[mrn]
        self.open = copy.deepcopy(chart) if self.saves_once else chart

    def _new_mrn(self) -> str:
        return f"M{len(self.charts) + 1}"

    # --- finding and creating ---------------------------------------------------------
    def recover(self, mrn):
        self._enter("recover", mrn)

    def open_chart(self, mrn):
        self._enter("open_chart", mrn)
        if mrn not in self.charts:
            return False
        self._show(mrn)
        return True

    def search(self, last, first, dob):
        self._enter("search", last, first, dob)
        hits = [
            mrn
            for mrn, chart in self.charts.items()
            if (d := chart["demographics"]).get("last_name") == last
            and d.get("first_name") == first
            and d.get("date_of_birth") == dob
        ] + list(self.extra_hits)
        if len(hits) == 1 and hits[0] in self.charts:
            self._show(hits[0])  # the adapter leaves the one match open
        return hits

    def create_patient(self, demographics, *, assigned=None):
        self._enter("create_patient", dict(demographics), assigned is not None)
        chart = {"mrn": "", "demographics": dict(demographics), "guardians": {}}
        chart.update(coverages={}, notes=[])
        if self.saves_once:
            self.open = chart  # staged: save() stores it
            self._leave("create_patient")
            return ""
        mrn = chart["mrn"] = self._new_mrn()
        self.open = self.charts[mrn] = chart
        if assigned is not None:
            assigned(mrn)
        self._leave("create_patient")
        return mrn

    def save(self, *, assigned=None):
        self._enter("save", assigned is not None)
        if not self.open["mrn"]:
            self.open["mrn"] = self._new_mrn()
            if assigned is not None:
                assigned(self.open["mrn"])
        self.charts[self.open["mrn"]] = copy.deepcopy(self.open)
        self._leave("save")
        return self.open["mrn"]

    # --- sections -----------------------------------------------------------------------
    def read_demographics(self):
        self._enter("read_demographics")
        return dict(self.open["demographics"])

    def write_demographics(self, changes):
        self._enter("write_demographics", dict(changes))
        self.open["demographics"].update(changes)

    def read_guardians(self):
        self._enter("read_guardians")
        return [GuardianRow(row, dict(v)) for row, v in self.open["guardians"].items()]

    def add_guardian(self, values):
        self._enter("add_guardian", dict(values))
        self.rows += 1
        self.open["guardians"][f"g{self.rows}"] = dict(values)

    def update_guardian(self, row_id, changes):
        self._enter("update_guardian", row_id, dict(changes))
        self.open["guardians"][row_id].update(changes)

    def remove_guardian(self, row_id):
        self._enter("remove_guardian", row_id)
        del self.open["guardians"][row_id]

    def read_coverages(self):
        self._enter("read_coverages")
        return {r: dict(c) if (c := self.open["coverages"].get(r)) else None for r in diff.RANKS}

    def write_coverage(self, rank, values):
        self._enter("write_coverage", rank, dict(values))
        self.open["coverages"].setdefault(rank, {}).update(values)

    def remove_coverage(self, rank):
        self._enter("remove_coverage", rank)
        del self.open["coverages"][rank]

    def read_note_references(self):
        self._enter("read_note_references")
        return {n["reference"] for n in self.open["notes"]}

    def add_note(self, values):
        self._enter("add_note", dict(values))
        self.open["notes"].append(dict(values))


class TellingEmr(MemoryEmr):
    """An adapter that ``reports_assigned_ids`` (a class attribute, as adapters declare it)."""

    reports_assigned_ids = True
