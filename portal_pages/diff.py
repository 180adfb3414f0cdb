"""The pure part of a sync: what the chart should hold, and what differs from what it holds.

No browser here. Section values are flat dicts in a portal-independent shape
(text as ``str``, ``""`` for empty, dates ISO ``YYYY-MM-DD``, flags as
``bool``); each adapter converts its widgets to and from that shape. The plans
these functions return name what to write and, for the result, which fields
changed, by *name* only (``guardians.0.phone``), never by value.

``not_stored`` is an adapter's capability declaration (``Portal.not_stored``):
section names (``"guardians"``) and ``section.field`` names
(``"demographics.middle_name"``, ``"insurance.group_number"`` for every rank)
that its EMR cannot hold. Those are dropped from what the chart should hold, so
they never count as a difference and are never written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from syncapp.bundle import Coverage, Demographics, Guardian, Note, PatientBundle

Value = str | bool
Values = dict[str, Value]

DEMOGRAPHIC_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "street",
    "city",
    "state",
    "postal_code",
)
GUARDIAN_FIELDS = ("first_name", "last_name", "relationship", "phone", "email", "is_primary")
COVERAGE_FIELDS = (
    "payer",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relationship",
    "effective_date",
)
RANKS = ("primary", "secondary")
SECTIONS = ("demographics", "guardians", "insurance", "notes")
NotStored = frozenset[str]
_NOTHING: NotStored = frozenset()


def stored(section: str, values: Mapping[str, Value], not_stored: NotStored) -> Values:
    """``values`` without the fields of ``section`` the EMR cannot hold."""
    return {k: v for k, v in values.items() if f"{section}.{k}" not in not_stored}


def not_stored_names(bundle: PatientBundle, not_stored: NotStored) -> list[str]:
    """The declared names for which ``bundle`` has data: what Salesforce is told is not kept."""
    have = {
        "demographics": [demographics_values(bundle.patient)],
        "guardians": [guardian_values(g) for g in bundle.guardians],
        "insurance": [coverage_values(c) for c in bundle.insurance],
        "notes": [note_values(n) for n in bundle.notes],
    }
    names = []
    for name in sorted(not_stored):
        section, _, field_name = name.partition(".")
        rows = have.get(section, [])
        if field_name:
            held = any(row.get(field_name) not in ("", False, None) for row in rows)
        else:
            held = bool(rows)
        if held:
            names.append(name)
    return names


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value).strip()


def demographics_values(p: Demographics) -> Values:
    a = p.address
    raw = {
        "first_name": p.first_name,
        "middle_name": p.middle_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "phone": p.phone,
        "email": p.email,
        "street": a.street,
        "city": a.city,
        "state": a.state,
        "postal_code": a.postal_code,
    }
    return {k: _text(v) for k, v in raw.items()}


def guardian_values(g: Guardian) -> Values:
    values: Values = {k: _text(getattr(g, k)) for k in GUARDIAN_FIELDS if k != "is_primary"}
    values["is_primary"] = bool(g.is_primary)
    return values


def coverage_values(c: Coverage) -> Values:
    return {k: _text(getattr(c, k)) for k in COVERAGE_FIELDS}


def note_values(n: Note) -> Values:
    """A note as the portal stores it: the date part of ``written_at``, the Salesforce id as reference."""
    return {
        "date": n.written_at.date().isoformat(),
        "author": n.author.strip(),
        "text": n.text.strip(),
        "reference": n.salesforce_id,
    }


def _same(a: Value | None, b: Value | None) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return _text(a) == _text(b)


def field_changes(current: Mapping[str, Value], desired: Mapping[str, Value]) -> Values:
    """The desired values that differ from the current ones (empty and missing are equal)."""
    return {k: v for k, v in desired.items() if not _same(current.get(k), v)}


def non_empty(values: Mapping[str, Value]) -> Values:
    """What a blank form needs written: empty text and unset flags are already there."""
    return {k: v for k, v in values.items() if v not in ("", False, None)}


@dataclass(frozen=True)
class GuardianRow:
    """A guardian as the portal lists it: its row id and its values."""

    row_id: str
    values: Values

    @property
    def match_key(self) -> tuple[str, str]:
        return (
            _text(self.values.get("first_name")).casefold(),
            _text(self.values.get("last_name")).casefold(),
        )


@dataclass
class GuardianPlan:
    """Removes first (frees names and the primary flag), then updates, then adds."""

    removes: list[str] = field(default_factory=list)
    updates: list[tuple[int, str, Values]] = field(default_factory=list)  # index, row id, changes
    adds: list[tuple[int, Values]] = field(default_factory=list)  # index, values to write

    def changed_fields(self) -> list[str]:
        names = [f"guardians.{i}.{k}" for i, _, changes in self.updates for k in changes]
        names += [f"guardians.{i}.added" for i, _ in self.adds]
        return names + (["guardians.removed"] if self.removes else [])


def plan_guardians(
    current: Iterable[GuardianRow], desired: list[Guardian], not_stored: NotStored = _NOTHING
) -> GuardianPlan:
    """Match by first + last name (case-insensitive); update, add, remove to reach ``desired``."""
    unmatched = list(current)
    plan = GuardianPlan()
    for index, guardian in enumerate(desired):
        want = stored("guardians", guardian_values(guardian), not_stored)
        row = next((r for r in unmatched if r.match_key == guardian.match_key), None)
        if row is None:
            plan.adds.append((index, non_empty(want)))
            continue
        unmatched.remove(row)
        changes = field_changes(row.values, want)
        if changes:
            plan.updates.append((index, row.row_id, changes))
    plan.removes = [r.row_id for r in unmatched]
    return plan


@dataclass
class CoveragePlan:
    """Per rank: values to write (all of them for a new coverage), and ranks to remove."""

    writes: dict[str, Values] = field(default_factory=dict)
    added: set[str] = field(default_factory=set)
    removes: list[str] = field(default_factory=list)

    def changed_fields(self) -> list[str]:
        names = []
        for rank in RANKS:
            if rank in self.added:
                names.append(f"insurance.{rank}.added")
            elif rank in self.writes:
                names += [f"insurance.{rank}.{k}" for k in self.writes[rank]]
            if rank in self.removes:
                names.append(f"insurance.{rank}.removed")
        return names


def plan_coverages(
    current: Mapping[str, Values | None], desired: list[Coverage], not_stored: NotStored = _NOTHING
) -> CoveragePlan:
    """Coverages are matched by rank: update the fields that differ, add, or remove."""
    plan = CoveragePlan()
    wanted = {c.rank: stored("insurance", coverage_values(c), not_stored) for c in desired}
    for rank in RANKS:
        have, want = current.get(rank), wanted.get(rank)
        if want is None:
            if have is not None:
                plan.removes.append(rank)
        elif have is None:
            plan.writes[rank] = non_empty(want)
            plan.added.add(rank)
        else:
            changes = field_changes(have, want)
            if changes:
                plan.writes[rank] = changes
    return plan


def plan_notes(existing_references: Iterable[str], desired: list[Note]) -> list[tuple[int, Values]]:
    """Notes are append-only: add those whose Salesforce id is not yet a note reference."""
    seen = {r.strip() for r in existing_references if r}
    return [
        (i, note_values(n)) for i, n in enumerate(desired) if n.salesforce_id.strip() not in seen
    ]


def notes_changed_fields(additions: list[tuple[int, Values]]) -> list[str]:
    return [f"notes.{i}.added" for i, _ in additions]


def creation_changed_fields(bundle: PatientBundle, not_stored: NotStored = _NOTHING) -> list[str]:
    """What creating the chart from scratch writes, by name (dry run of a new patient)."""
    demographics = stored("demographics", demographics_values(bundle.patient), not_stored)
    names = [f"demographics.{k}" for k in non_empty(demographics)]
    if "guardians" not in not_stored:
        names += [f"guardians.{i}.added" for i in range(len(bundle.guardians))]
    if "insurance" not in not_stored:
        names += [
            f"insurance.{c.rank}.added" for r in RANKS for c in bundle.insurance if c.rank == r
        ]
    if "notes" not in not_stored:
        names += [f"notes.{i}.added" for i in range(len(bundle.notes))]
    return names
