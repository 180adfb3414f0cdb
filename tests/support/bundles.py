"""Patient bundles for tests: realistic, valid, distinct per number, and easy to vary."""

from __future__ import annotations

import copy

from tests.support.salesforce_messages import sf_id

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


def make_bundle(n: int = 1, *, notes: int = 2) -> dict:
    """A full intake: demographics, two guardians, two coverages and ``notes`` notes."""
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST) + n) % len(LAST)]
    return {
        "salesforce_id": None,
        "emr_patient_id": None,
        "patient": {
            "first_name": first,
            "middle_name": "Anne-Marie" if n % 2 else None,
            "last_name": f"{last}",
            "date_of_birth": f"20{10 + n % 10:02d}-0{1 + n % 9}-1{n % 10}",
            "sex": ["female", "male", "other", "unknown"][n % 4],
            "phone": f"(555) 201-{3300 + n:04d}",
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
                "salesforce_id": None,
                "first_name": "Maria",
                "last_name": f"{last}",
                "relationship": "mother",
                "phone": f"(555) 301-{4400 + n:04d}",
                "email": f"maria{n}@example.org",
                "is_primary": True,
            },
            {
                "salesforce_id": None,
                "first_name": "Jean-Luc",
                "last_name": f"{last}",
                "relationship": "father",
                "phone": f"(555) 302-{5500 + n:04d}",
                "email": None,
                "is_primary": False,
            },
        ],
        "insurance": [
            {
                "salesforce_id": None,
                "rank": "primary",
                "payer": "Aetna",
                "member_id": f"AET{n:07d}",
                "group_number": f"GRP{n:04d}",
                "subscriber_name": f"Maria {last}",
                "subscriber_relationship": "parent",
                "effective_date": "2024-01-01",
            },
            {
                "salesforce_id": None,
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
                "salesforce_id": None,
                "written_at": f"2026-10-{10 + i:02d}T15:30:00Z",
                "author": "Dr. Rivera",
                "text": f"Intake note {i + 1}: history reviewed, plan discussed.",
            }
            for i in range(notes)
        ],
    }


def with_ids(bundle: dict, ids: dict) -> dict:
    """The bundle with the Salesforce ids the sandbox org assigned (for later updates)."""
    b = copy.deepcopy(bundle)
    b["salesforce_id"] = ids["id"]
    for key in ("guardians", "insurance", "notes"):
        for item, rid in zip(b[key], ids.get(key, []), strict=False):
            item["salesforce_id"] = rid
    return b


def normalise(bundle: dict) -> dict:
    """Compare charts and records on what both systems hold, in a stable order."""

    def clean(d):
        return {k: (None if v == "" else v) for k, v in d.items() if k != "salesforce_id"}

    patient = dict(bundle["patient"])
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
            (
                {
                    "date": n["written_at"][:10],
                    "author": n["author"],
                    "text": n["text"],
                    "ref": n.get("salesforce_id"),
                }
                for n in bundle.get("notes", [])
            ),
            key=lambda n: (n["ref"] or "", n["date"]),
        ),
    }


__all__ = ["make_bundle", "normalise", "sf_id", "with_ids"]
