"""Field value formats: Salesforce's date, datetime and boolean wire forms.

The REST API writes datetimes as ``2026-11-26T10:00:00.000+0000`` (always UTC,
milliseconds, no colon in the offset), dates as ``YYYY-MM-DD``; SOAP (Outbound
Messages) writes datetimes as ``2026-11-26T10:00:00.000Z``. Values are stored in
the REST form, so string order is time order.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def format_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def now() -> str:
    return format_datetime(datetime.now(UTC))


def parse_datetime(value: str) -> datetime:
    """Accept what Salesforce accepts: ISO-8601 with ``Z``, ``+00:00`` or ``+0000``.

    A datetime without an offset is taken as UTC, as the REST API does.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _OFFSET_NO_COLON.sub(r"\1:\2", text) if "T" in text else text
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def normalize_datetime(value: str) -> str:
    return format_datetime(parse_datetime(value))


def normalize_date(value: str) -> str:
    if not _DATE.match(value.strip()):
        raise ValueError(value)
    return date.fromisoformat(value.strip()).isoformat()


def soap_datetime(value: str) -> str:
    """REST form to the SOAP API's xsd:dateTime form (``...000Z``)."""
    return value.replace("+0000", "Z")


def iso_datetime(value: str | None) -> str | None:
    """REST form to a plain ISO-8601 string (``2026-01-02T15:04:05+00:00``)."""
    if value is None:
        return None
    return parse_datetime(value).isoformat()
