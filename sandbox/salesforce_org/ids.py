"""Salesforce record ids: 15-character case-sensitive, 18-character case-safe.

Clients compare, store and cache ids, and some (spreadsheets, case-insensitive
databases) lose letter case, which is why Salesforce appends a three-character
checksum that encodes the case of the first fifteen. The sandbox mints ids the
same way and accepts both forms everywhere, so client code that shortens or
lengthens ids behaves as it would against a real org.
"""

from __future__ import annotations

import re
import secrets

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")

# Characters 4-5 name the pod, 6 is reserved; the sandbox lives on pod "4W".
POD = "4W0"
_SPACE = 62**9
# A database numbers its records upwards from a random seed. Real ids grow with
# creation time within a pod, and clients lean on that: "ORDER BY CreatedDate,
# Id" is the usual way to list children in the order they were entered, since
# CreatedDate has only second precision. The seed is drawn with headroom so the
# counter never wraps, and its random upper digits already carry mixed letter
# case, which exercises the checksum.
_HEADROOM = 62**6


def checksum(id15: str) -> str:
    """The three-character case-safe suffix of a 15-character id."""
    suffix = ""
    for chunk in range(3):
        flags = 0
        for bit, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                flags |= 1 << bit
        suffix += CHECKSUM_ALPHABET[flags]
    return suffix


def to18(record_id: str) -> str | None:
    """Return the canonical 18-character id, or None if it is not a valid id.

    An 18-character id may arrive with its case lost; the suffix tells which
    characters were upper case, so the original is restored as Salesforce does.
    """
    if not isinstance(record_id, str) or not _ID.match(record_id):
        return None
    if len(record_id) == 15:
        return record_id + checksum(record_id)
    head, suffix = record_id[:15], record_id[15:].upper()
    restored = []
    for chunk in range(3):
        flags = CHECKSUM_ALPHABET.find(suffix[chunk])
        if flags < 0:
            return None
        for bit, char in enumerate(head[chunk * 5 : chunk * 5 + 5]):
            upper = bool(flags & (1 << bit))
            if upper and not char.isalpha():
                return None
            restored.append(char.upper() if upper else char.lower())
    id15 = "".join(restored)
    return id15 + checksum(id15)


def to15(record_id: str) -> str:
    """The case-sensitive 15-character form (as shown in classic URLs)."""
    return record_id[:15]


def base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(reversed(chars))


def new_seed() -> int:
    """A random offset into the id space, drawn once per database.

    A real org never reuses an id, not even across orgs, and clients rely on it
    (the sync service remembers notification ids for days). Each fresh sandbox
    database therefore numbers its records from its own random point, so two
    databases in a row never mint the same id.
    """
    return secrets.randbelow(_SPACE - _HEADROOM)


def make_id(prefix: str, counter: int, seed: int = 0) -> str:
    """Mint the 18-character id number ``counter`` for key prefix ``prefix``.

    Distinct counters give distinct ids for one ``seed``, and a larger counter
    a larger id (in base-62 order, as a real pod's ids grow); a database passes
    its own seed.
    """
    if len(prefix) != 3:
        raise ValueError("a key prefix has three characters")
    if not 0 <= counter < _HEADROOM:
        raise ValueError("id counter out of range")
    id15 = prefix + POD + base62(seed + counter, 9)
    return id15 + checksum(id15)


def random_id(prefix: str) -> str:
    """A fresh random id with key prefix ``prefix`` (an org's or a user's own id)."""
    return make_id(prefix, 0, new_seed())


def same_id(a: str | None, b: str | None) -> bool:
    """Compare two ids of either length, as Salesforce does (on the 15-char form)."""
    if a is None or b is None:
        return False
    ca, cb = to18(a), to18(b)
    return ca is not None and ca == cb
