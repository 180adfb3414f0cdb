"""The canonical patient bundle: the one shape that crosses every boundary.

Salesforce records are mapped into it (``syncapp.field_map``), the portal layer
brings a chart to it (``portal_pages``), and the sandboxes report in it. Values
are validated here once, so that nothing invalid ever reaches the EMR. Pydantic
is told to hide inputs in its errors, and ``validate_bundle`` rewrites errors to
field names only, because error texts reach logs and Salesforce.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from syncapp.errors import InvalidBundle

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
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)

# Letters of any script, with the spaces, apostrophes, hyphens and periods that real names carry.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\u2019.\-][^\W\d_]*)*$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_MEMBER_ID = re.compile(r"^[A-Za-z0-9]{5,20}$")
_POSTAL = re.compile(r"^\d{5}(?:-\d{4})?$")

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
    street: str | None = Field(None, max_length=120)
    city: str | None = Field(None, max_length=60)
    state: str | None = None
    postal_code: str | None = None

    @field_validator("state")
    @classmethod
    def _state(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if v.upper() not in US_STATES:
            raise ValueError("is not a US two-letter state code")
        return v.upper()

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, v: str | None) -> str | None:
        return _optional(_POSTAL, "US ZIP code")(v)


class Demographics(_Model):
    first_name: str
    middle_name: str | None = None
    last_name: str
    date_of_birth: date
    sex: Sex = "unknown"
    phone: str | None = None
    email: str | None = None
    address: Address = Field(default_factory=Address)

    @field_validator("first_name", "last_name")
    @classmethod
    def _required_name(cls, v: str) -> str:
        return _name(v, required=True)  # type: ignore[return-value]

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

    _phone = field_validator("phone")(classmethod(lambda cls, v: _check_phone(v)))
    _email = field_validator("email")(classmethod(lambda cls, v: _check_email(v)))


class Guardian(_Model):
    salesforce_id: str | None = None
    first_name: str
    last_name: str
    relationship: Relationship = "guardian"
    phone: str | None = None
    email: str | None = None
    is_primary: bool = False

    @field_validator("first_name", "last_name")
    @classmethod
    def _required_name(cls, v: str) -> str:
        return _name(v, required=True)  # type: ignore[return-value]

    _phone = field_validator("phone")(classmethod(lambda cls, v: _check_phone(v)))
    _email = field_validator("email")(classmethod(lambda cls, v: _check_email(v)))

    @property
    def match_key(self) -> tuple[str, str]:
        """Guardians are matched in the EMR by name: the EMR does not hold Salesforce ids."""
        return (self.first_name.casefold(), self.last_name.casefold())


class Coverage(_Model):
    salesforce_id: str | None = None
    rank: Rank
    payer: str
    member_id: str
    group_number: str | None = Field(None, max_length=30)
    subscriber_name: str | None = Field(None, max_length=120)
    subscriber_relationship: SubscriberRelationship = "self"
    effective_date: date | None = None

    @field_validator("payer")
    @classmethod
    def _payer(cls, v: str) -> str:
        if v not in PAYERS:
            raise ValueError("is not a payer the portal knows")
        return v

    @field_validator("member_id")
    @classmethod
    def _member(cls, v: str) -> str:
        if not _MEMBER_ID.match(v):
            raise ValueError("must be 5-20 letters and digits")
        return v


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


def validate_bundle(data: dict[str, Any], *, record_id: str | None = None) -> PatientBundle:
    """Validate a bundle dict; raise ``InvalidBundle`` naming fields, never values.

    The message is what Salesforce staff read in ``EMR_Sync_Error__c``, so it says
    which field is wrong and why ("patient.date_of_birth is in the future").
    """
    try:
        return PatientBundle.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{_loc(err)} {msg}")
        fields = [_loc(e) for e in exc.errors(include_input=False)]
        raise InvalidBundle(
            "Invalid patient data: " + "; ".join(problems), record_id=record_id, fields=fields
        ) from None
