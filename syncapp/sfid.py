"""Salesforce record ids: validate strictly, and normalise 15-character ids to 18.

Notifications may carry either form; dedupe, coalescing and locks must key on
one form, or the same record would get two concurrent syncs.

Validation is strict on purpose (an id is the only thing a webhook trusts):
exactly 15 or 18 ASCII letters and digits, nothing around them (no whitespace,
no trailing newline), and an 18-character id's checksum must be the one its first
15 characters produce. An id whose letter case was lost is *refused*, not
repaired: a case-insensitive copy that we "restore" may name a different record.
"""

from __future__ import annotations

import re

_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ORG_PREFIX = "00D"


def checksum(id15: str) -> str:
    """The three-character case-safe suffix Salesforce appends to a 15-character id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX[bits]
    return suffix


def is_salesforce_id(value: object, *, prefix: str | None = None) -> bool:
    """True for a well-formed 15- or 18-character id (checksum verified), of ``prefix`` if given."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return False
    if len(value) == 18 and value[15:] != checksum(value[:15]):
        return False
    return prefix is None or value.startswith(prefix)


def is_org_id(value: object) -> bool:
    """A Salesforce organization id: a valid id whose key prefix is ``00D``."""
    return is_salesforce_id(value, prefix=ORG_PREFIX)


def to_18(record_id: str) -> str:
    """Return the case-safe 18-character form; raise ``ValueError`` if not a valid id."""
    if not is_salesforce_id(record_id):
        raise ValueError("not a Salesforce record id")
    return record_id[:15] + checksum(record_id[:15])
