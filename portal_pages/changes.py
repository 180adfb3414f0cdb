"""Each field an upsert changes, with its value before and after: for the audit trail only.

The sync's result names what changed (``guardians.0.phone``); the audit trail
must also be able to show what the value was and became. These records hold
patient values, so they never go to a log, a task result or the broker: the
worker hands them straight to ``syncapp.audit``, which stores them encrypted.
``FieldChange.__repr__`` shows the name only, so a stray log line cannot leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from portal_pages.diff import CoveragePlan, GuardianPlan, GuardianRow, Values


@dataclass(frozen=True)
class FieldChange:
    """One field: ``name`` is ``section.field`` or ``section.index.field``."""

    name: str
    old: str | None
    new: str | None

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.name.split(".", 1)[1] if "." in self.name else ""

    def __repr__(self) -> str:  # values stay out of reprs, tracebacks and logs
        return f"FieldChange({self.name!r})"


def _s(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fields(prefix: str, old: Mapping[str, object] | None, new: Mapping[str, object] | None):
    keys = list(new or {}) or list(old or {})
    return [
        FieldChange(f"{prefix}.{k}", _s((old or {}).get(k)), _s((new or {}).get(k))) for k in keys
    ]


def demographics(current: Values, changes: Values) -> list[FieldChange]:
    """Demographic fields written, from what the chart held (``current``) to ``changes``."""
    return [FieldChange(f"demographics.{k}", _s(current.get(k)), _s(v)) for k, v in changes.items()]


def created(values: Values) -> list[FieldChange]:
    return [FieldChange(f"demographics.{k}", None, _s(v)) for k, v in values.items()]


def guardians(current: Iterable[GuardianRow], plan: GuardianPlan) -> list[FieldChange]:
    rows = {r.row_id: r.values for r in current}
    out: list[FieldChange] = []
    for index, row_id, changes in plan.updates:
        out += _fields(f"guardians.{index}", rows.get(row_id, {}), changes)
    for index, values in plan.adds:
        out += _fields(f"guardians.{index}", None, values)
    for n, row_id in enumerate(plan.removes):
        out += _fields(f"guardians.removed{n}", rows.get(row_id, {}), None)
    return out


def coverages(current: Mapping[str, Values | None], plan: CoveragePlan) -> list[FieldChange]:
    out: list[FieldChange] = []
    for rank, values in plan.writes.items():
        before = None if rank in plan.added else current.get(rank)
        out += _fields(f"insurance.{rank}", before, values)
    for rank in plan.removes:
        out += _fields(f"insurance.{rank}", current.get(rank), None)
    return out


def notes(additions: list[tuple[int, Values]]) -> list[FieldChange]:
    return [c for i, values in additions for c in _fields(f"notes.{i}", None, values)]
