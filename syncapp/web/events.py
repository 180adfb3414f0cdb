"""Apex callout events (JSON): bounded parsing into record ids, refusing anything odd.

The body is already authenticated (``signing``) when it gets here, but a signed
body can still be hostile or simply broken, and every such case must be a 4xx,
never a 500: nesting deeper than ``max_depth`` is refused *before* ``json.loads``
sees it (deep nesting costs recursion), integers and floats longer than a few
dozen digits are refused while parsing (CPython refuses >4300 digits with a
``ValueError`` of its own, and big numbers cost quadratic time), ``NaN`` and
``Infinity`` are refused, and the schema is strict: exact types, no unknown keys,
1 to ``MAX_RECORDS`` records, each id a verified Salesforce id of the synced
object (its key prefix), the org id an org id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from syncapp.sfid import is_org_id, is_salesforce_id, to_18

MAX_RECORDS = 200  # an Apex Queueable batches at most this many records per callout
MAX_NUMBER_CHARS = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class EventInputError(ValueError):
    """A refused event: ``status`` (400 or 422), a short ``error`` and a value-free ``detail``."""

    def __init__(self, status: int, error: str, detail: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail


@dataclass(frozen=True)
class Event:
    org_id: str
    event_id: str
    record_ids: list[str]


def nesting_depth(body: bytes) -> int:
    """The deepest bracket nesting of a JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError("number too long")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)
    id: StrictStr
    lastModifiedDate: StrictStr | None = Field(None, max_length=40)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str, info: ValidationInfo) -> str:
        prefix = (info.context or {}).get("record_prefix")
        if not is_salesforce_id(v, prefix=prefix):
            raise ValueError("not a Salesforce id of the synced object")
        return v


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    orgId: StrictStr
    eventId: StrictStr = Field(pattern=r"^[A-Za-z0-9\-]{8,64}$")
    records: list[_Record] = Field(min_length=1, max_length=MAX_RECORDS)

    @field_validator("orgId")
    @classmethod
    def _org(cls, v: str) -> str:
        if not is_org_id(v):
            raise ValueError("not an org id")
        return v


def parse_event(body: bytes, *, max_depth: int = 8, record_prefix: str | None = None) -> Event:
    """Parse a signed event body; raise ``EventInputError`` naming what is wrong (never values)."""
    if nesting_depth(body) > max_depth:
        raise EventInputError(400, "malformed JSON", "nested too deeply")
    try:
        # UTF-8 only (RFC 8259 §8.1): ``json.loads`` would also guess UTF-16 and UTF-32.
        text = body.decode("utf-8")
        data = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise EventInputError(400, "malformed JSON") from None
    try:
        event = _Event.model_validate(data, context={"record_prefix": record_prefix})
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        detail = "invalid fields: " + ", ".join(fields)
        raise EventInputError(422, "schema violation", detail) from None
    return Event(event.orgId, event.eventId, [to_18(r.id) for r in event.records])
