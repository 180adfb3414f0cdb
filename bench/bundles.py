"""Full intake bundles for the benchmarks: valid, realistic and distinct per number.

The same idea as the tests' ``make_bundle`` (bench must not import tests), with
one difference: every last name carries a letter code of its number, so that
no two bundles of a run can ever match the portal's name + date-of-birth search
(an ambiguous match would be a failure, not a measurement).
"""

from __future__ import annotations

import copy
import string
from typing import Any

from syncapp.sfid import to_18

FIRST = ["Zoë", "Liam", "Amélie", "Noah", "Siobhán", "Mateo", "Aaliyah", "José", "Nguyễn", "Chloé"]
LAST = [
    "O'Brien",
    "García-López",
    "Müller",
    "D'Angelo",
    "Smith-Jones",
    "Nakamura",
    "Okafor",
    "St. Clair",
    "Petrov",
    "Ní Bhriain",
]


def letters(n: int) -> str:
    """``n`` in base 26 with letters (names may not hold digits): 0 -> ``a``, 27 -> ``bb``."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = string.ascii_lowercase[r] + out
        if n == 0:
            return out.capitalize()


def sf_id(n: int, prefix: str = "a00") -> str:
    """A well-formed 18-character Salesforce id for number ``n``."""
    return to_18(f"{prefix}9b{n:010d}"[:15])


def make_bundle(n: int, *, notes: int = 2, with_ids: bool = False) -> dict[str, Any]:
    """A full intake: demographics, two guardians, two coverages and ``notes`` notes.

    ``with_ids`` fills Salesforce ids (for driving ``PortalClient`` directly: notes
    are keyed in the portal by their Salesforce id); the sandbox org assigns its
    own ids, so bundles sent there leave them empty.
    """
    first = FIRST[n % len(FIRST)]
    last = f"{LAST[(n // len(FIRST) + n) % len(LAST)]}-{letters(n)}"

    def sid(prefix: str, k: int) -> str | None:
        return sf_id(n * 10 + k, prefix) if with_ids else None

    return {
        "salesforce_id": sid("a00", 0),
        "emr_patient_id": None,
        "patient": {
            "first_name": first,
            "middle_name": "Anne-Marie" if n % 2 else None,
            "last_name": last,
            "date_of_birth": f"20{10 + n % 10:02d}-0{1 + n % 9}-1{n % 10}",
            "sex": ["female", "male", "other", "unknown"][n % 4],
            "phone": f"(555) 201-{3300 + n % 6000:04d}",
            "email": f"family{n}@example.org",
            "address": {
                "street": f"{100 + n} Elm St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            },
        },
        "guardians": [
            {
                "salesforce_id": sid("a01", 1),
                "first_name": "Maria",
                "last_name": last,
                "relationship": "mother",
                "phone": f"(555) 301-{4400 + n % 5000:04d}",
                "email": f"maria{n}@example.org",
                "is_primary": True,
            },
            {
                "salesforce_id": sid("a01", 2),
                "first_name": "Jean-Luc",
                "last_name": last,
                "relationship": "father",
                "phone": f"(555) 302-{5500 + n % 4000:04d}",
                "email": None,
                "is_primary": False,
            },
        ],
        "insurance": [
            {
                "salesforce_id": sid("a02", 3),
                "rank": "primary",
                "payer": "Aetna",
                "member_id": f"AET{n:07d}",
                "group_number": f"GRP{n:04d}",
                "subscriber_name": f"Maria {last}",
                "subscriber_relationship": "parent",
                "effective_date": "2024-01-01",
            },
            {
                "salesforce_id": sid("a02", 4),
                "rank": "secondary",
                "payer": "Medicaid",
                "member_id": f"MCD{n:08d}",
                "group_number": None,
                "subscriber_name": f"{first} {last}",
                "subscriber_relationship": "self",
                "effective_date": "2024-06-15",
            },
        ],
        "notes": [
            {
                "salesforce_id": sid("a03", 5 + i),
                "written_at": f"2026-10-{10 + i:02d}T15:30:00Z",
                "author": "Dr. Rivera",
                "text": f"Intake note {i + 1}: history reviewed, plan discussed.",
            }
            for i in range(notes)
        ],
    }


def normalise(bundle: dict[str, Any]) -> dict[str, Any]:
    """What both systems hold, in a stable order: to check that a chart is right."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (None if v == "" else v) for k, v in d.items() if k != "salesforce_id"}

    patient = copy.deepcopy(bundle["patient"])
    patient["address"] = clean(patient.get("address") or {})
    return {
        "patient": clean(patient),
        "guardians": sorted(
            (clean(g) for g in bundle.get("guardians", [])),
            key=lambda g: (g["first_name"], g["last_name"]),
        ),
        "insurance": sorted(
            (clean(c) for c in bundle.get("insurance", [])), key=lambda c: c["rank"]
        ),
        "notes": sorted(
            (n["written_at"][:10], n["author"], n["text"]) for n in bundle.get("notes", [])
        ),
    }
