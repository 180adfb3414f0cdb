"""Server-side field rules of every form, the way the vendor's portal enforces them.

A save is validated as a whole record (the stored values merged with the
submitted ones), so a save either passes entirely or changes nothing. Messages
name the rule and the field label, never the submitted value: real portals are
not that careful, but ours feeds tests that check the sync never leaks values
through error texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

PAYERS = (
    "Aetna",
    "Blue Cross Blue Shield",
    "Cigna",
    "Humana",
    "Kaiser Permanente",
    "Medicaid",
    "Medicare",
    "Tricare",
    "UnitedHealthcare",
    "Self-pay",
)
SEXES = ("female", "male", "other", "unknown")
RELATIONSHIPS = ("mother", "father", "guardian", "grandparent", "other")
SUBSCRIBER_RELATIONSHIPS = ("self", "parent", "spouse", "other")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)

_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_POSTAL = re.compile(r"^\d{5}(?:-\d{4})?$")
_MEMBER_ID = re.compile(r"^[A-Za-z0-9]{5,20}$")


@dataclass(frozen=True)
class Field:
    """One form field: how to read it from JSON and which rule it must pass."""

    name: str
    label: str
    kind: str = "text"  # text | date | choice | email | state | postal | member_id | bool
    required: bool = False
    max_len: int = 120
    choices: tuple[str, ...] = ()
    past_only: bool = False
    default: Any = None


DEMOGRAPHICS = (
    Field("first_name", "First name", required=True, max_len=80),
    Field("middle_name", "Middle name", max_len=80),
    Field("last_name", "Last name", required=True, max_len=80),
    Field("date_of_birth", "Date of birth", "date", required=True, past_only=True),
    Field("sex", "Sex", "choice", required=True, choices=SEXES, default="unknown"),
    Field("phone", "Phone", max_len=30),
    Field("email", "Email", "email"),
    Field("street", "Street", max_len=120),
    Field("city", "City", max_len=60),
    Field("state", "State", "state"),
    Field("postal_code", "Postal code", "postal"),
)
GUARDIAN = (
    Field("first_name", "First name", required=True, max_len=80),
    Field("last_name", "Last name", required=True, max_len=80),
    Field("relationship", "Relationship", "choice", required=True, choices=RELATIONSHIPS),
    Field("phone", "Phone", max_len=30),
    Field("email", "Email", "email"),
    Field("is_primary", "Primary contact", "bool", default=False),
)
COVERAGE = (
    Field("payer", "Payer", "choice", required=True, choices=PAYERS),
    Field("member_id", "Member ID", "member_id", required=True),
    Field("group_number", "Group number", max_len=30),
    Field("subscriber_name", "Subscriber name", max_len=120),
    Field(
        "subscriber_relationship",
        "Subscriber relationship",
        "choice",
        required=True,
        choices=SUBSCRIBER_RELATIONSHIPS,
        default="self",
    ),
    Field("effective_date", "Effective date", "date"),
)
NOTE = (
    Field("date", "Date", "date", required=True),
    Field("author", "Author", required=True, max_len=120),
    Field("text", "Note", required=True, max_len=20_000),
    Field("reference", "External reference", max_len=60),
)


def parse_us_date(text: str) -> date | None:
    """``MM/DD/YYYY`` only: the masked input's shape. Anything else is ``None``."""
    m = _DATE.match(text)
    if not m:
        return None
    month, day, year = (int(x) for x in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def us_date(iso: str | None) -> str:
    """Storage (ISO) to display (``MM/DD/YYYY``); empty for no date."""
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def _convert(f: Field, raw: Any) -> tuple[Any, str | None]:
    """JSON value to storage value, or an error message naming the rule."""
    if f.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.lower() in ("", "true", "false", "yes", "no", "on"):
            return raw.lower() in ("true", "yes", "on"), None
        return None, f"{f.label} must be yes or no"
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        return None, f"{f.label} must be text"
    value = raw.strip()
    if value == "":
        return None, None
    if len(value) > f.max_len:
        return None, f"{f.label} is too long (at most {f.max_len} characters)"
    if f.kind == "date":
        parsed = parse_us_date(value)
        if parsed is None:
            return None, f"{f.label} must be a valid date as MM/DD/YYYY"
        if f.past_only and parsed > date.today():
            return None, f"{f.label} cannot be in the future"
        if parsed.year < 1900:
            return None, f"{f.label} cannot be before 1900"
        return parsed.isoformat(), None
    if f.kind == "choice" and value not in f.choices:
        return None, f"{f.label} must be one of the listed options"
    if f.kind == "email" and not _EMAIL.match(value):
        return None, f"{f.label} must be a valid email address"
    if f.kind == "state":
        if value.upper() not in US_STATES:
            return None, f"{f.label} must be a US two-letter state code"
        value = value.upper()
    if f.kind == "postal" and not _POSTAL.match(value):
        return None, f"{f.label} must be 5 digits or 5+4 digits (12345-6789)"
    if f.kind == "member_id" and not _MEMBER_ID.match(value):
        return None, f"{f.label} must be 5-20 letters and digits"
    return value, None


def validate(
    fields: tuple[Field, ...],
    submitted: Mapping[str, Any],
    stored: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return ``(changes, errors)``; ``changes`` holds storage values of submitted fields.

    ``stored`` is the current record (``None`` when creating one); required
    fields are checked on the merged result so that a partial save of an
    existing record does not need to resend them.
    """
    by_name = {f.name: f for f in fields}
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in submitted.items():
        f = by_name.get(name)
        if f is None:
            errors[str(name)[:40]] = "is not a field of this form"
            continue
        value, error = _convert(f, raw)
        if error:
            errors[name] = error
        else:
            changes[name] = value
    merged: dict[str, Any] = dict(stored or {})
    merged.update(changes)
    for f in fields:
        if f.name in errors:
            continue
        if merged.get(f.name) is None and f.default is not None and stored is None:
            changes[f.name] = merged[f.name] = f.default
        if f.required and merged.get(f.name) in (None, ""):
            errors[f.name] = f"{f.label} is required"
    return changes, errors
