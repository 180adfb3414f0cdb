"""Salesforce record ids: validate, and normalise 15-character ids to 18.

Notifications may carry either form; dedupe, coalescing and locks must key on
one form, or the same record would get two concurrent syncs.
"""

from __future__ import annotations

import re

_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def is_salesforce_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def to_18(record_id: str) -> str:
    """Return the case-safe 18-character form; raise ``ValueError`` if not an id."""
    if not is_salesforce_id(record_id):
        raise ValueError("not a Salesforce record id")
    base = record_id[:15]
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(base[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX[bits]
    return base + suffix
