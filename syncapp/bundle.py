"""The canonical patient bundle: the one shape that crosses every boundary.

Salesforce records are mapped into it (``syncapp.field_map``), the portal layer
brings a chart to it (``portal_pages``), and the sandboxes report in it. Values
are validated here once, for what is true of any patient in any EMR; each EMR
adapter adds its own value rules (payers, address formats, member-id patterns:
``Portal.bundle_problems``) before the portal is touched. Pydantic
is told to hide inputs in its errors, and ``validate_bundle`` rewrites errors to
field names only, because error texts reach logs and Salesforce.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from syncapp.bundle_partial import partial
from syncapp.errors import InvalidBundle

# Letters of any script, with the spaces, apostrophes, hyphens and periods that real names carry.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\u2019.\-][^\W\d_]*)*$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

Sex = Literal["female", "male", "other", "unknown"]
Relationship = Literal["mother", "father", "guardian", "grandparent", "other"]
SubscriberRelationship = Literal["self", "parent", "spouse", "other"]
Rank = Literal["primary", "secondary"]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True, frozen=False
    )


def _name(value: str | None, *, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise ValueError("is required")
        return None
    if len(value) > 80 or not _NAME.match(value):
        raise ValueError("is not a valid name")
    return value


def _optional(pattern: re.Pattern[str], what: str):
    def check(value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not pattern.match(value):
            raise ValueError(f"is not a valid {what}")
        return value

    return check


_check_phone = _optional(_PHONE, "phone number")
_check_email = _optional(_EMAIL, "email address")


class Address(_Model):
    """Any country's address: its format (state codes, postal codes) is the EMR adapter's rule."""

    street: str | None = Field(None, max_length=120)
    city: str | None = Field(None, max_length=60)
    state: str | None = Field(None, max_length=60)
    postal_code: str | None = Field(None, max_length=20)


class _Person(_Model):
    """The rules of a person's names and contact details, for a patient and a guardian alike."""

    @field_validator("first_name", "last_name", check_fields=False)
    @classmethod
    def _required_name(cls, v: str) -> str:
        return _name(v, required=True)  # type: ignore[return-value]

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return _check_phone(v)

    @field_validator("email", check_fields=False)
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return _check_email(v)


class Demographics(_Person):
    first_name: str
    middle_name: str | None = None
    last_name: str
    date_of_birth: date
    sex: Sex = "unknown"
    phone: str | None = None
    email: str | None = None
    address: Address = Field(default_factory=Address)

    @field_validator("middle_name")
    @classmethod
    def _middle(cls, v: str | None) -> str | None:
        return _name(v, required=False)

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, v: date) -> date:
        if v > date.today():
            raise ValueError("is in the future")
        if v.year < 1900:
            raise ValueError("is before 1900")
        return v


class Guardian(_Person):
    salesforce_id: str | None = None
    first_name: str
    last_name: str
    relationship: Relationship = "guardian"
    phone: str | None = None
    email: str | None = None
    is_primary: bool = False

    @property
    def match_key(self) -> tuple[str, str]:
        """Guardians are matched in the EMR by name: the EMR does not hold Salesforce ids."""
        return (self.first_name.casefold(), self.last_name.casefold())


class Coverage(_Model):
    salesforce_id: str | None = None
    rank: Rank
    payer: str = Field(min_length=1, max_length=120)  # which payers exist is the EMR's rule
    member_id: str = Field(min_length=1, max_length=40)  # so is the member-id format
    group_number: str | None = Field(None, max_length=30)
    subscriber_name: str | None = Field(None, max_length=120)
    subscriber_relationship: SubscriberRelationship = "self"
    effective_date: date | None = None


class Note(_Model):
    salesforce_id: str
    written_at: datetime
    author: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=20_000)


class PatientBundle(_Model):
    salesforce_id: str | None = None
    emr_patient_id: str | None = None
    patient: Demographics
    guardians: list[Guardian] = Field(default_factory=list, max_length=10)
    insurance: list[Coverage] = Field(default_factory=list, max_length=2)
    notes: list[Note] = Field(default_factory=list)

    @field_validator("guardians")
    @classmethod
    def _one_primary(cls, v: list[Guardian]) -> list[Guardian]:
        if sum(g.is_primary for g in v) > 1:
            raise ValueError("has more than one primary guardian")
        if len({g.match_key for g in v}) != len(v):
            raise ValueError("has two guardians with the same name")
        return v

    @field_validator("insurance")
    @classmethod
    def _ranks(cls, v: list[Coverage]) -> list[Coverage]:
        if len({c.rank for c in v}) != len(v):
            raise ValueError("has two coverages of the same rank")
        return v

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _loc(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"]) or "bundle"


# An EMR adapter's value rules: ``(field path, why)`` for each value that EMR would refuse.
Rules = Callable[[PatientBundle], list[tuple[str, str]]]


def validate_bundle(
    data: dict[str, Any], *, record_id: str | None = None, rules: Rules | None = None
) -> PatientBundle:
    """Validate a bundle dict; raise ``InvalidBundle`` naming fields, never values.

    The message is what Salesforce staff read in ``EMR_Sync_Error__c``, so it says
    which field is wrong and why ("patient.date_of_birth is in the future"), for
    every field at once: the core rules' and, given ``rules``, the EMR adapter's,
    run even when the core refuses the bundle (on a partial one, ``bundle_partial``;
    rules that cannot read it are skipped and the core's reasons stand alone).
    """
    try:
        bundle = PatientBundle.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        problems = [(_loc(e), e["msg"].removeprefix("Value error, ")) for e in errors]
        if rules is not None:
            problems += _partial_rules(rules, data, [e["loc"] for e in errors], problems)
        raise _refused(problems, record_id) from None
    problems = list(rules(bundle)) if rules is not None else []
    if problems:
        raise _refused(problems, record_id)
    return bundle


def _refused(problems: list[tuple[str, str]], record_id: str | None) -> InvalidBundle:
    return InvalidBundle(
        "Invalid patient data: " + "; ".join(f"{f} {why}" for f, why in problems),
        record_id=record_id,
        fields=list(dict.fromkeys(f for f, _ in problems)),
    )


def _partial_rules(
    rules: Rules, data: Any, refused: list[tuple], known: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    seen = {f for f, _ in known}
    try:
        found = rules(partial(PatientBundle, data, refused))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - rules written for valid bundles; the core's reasons stand
        return []
    return [(f, why) for f, why in found if f not in seen]
