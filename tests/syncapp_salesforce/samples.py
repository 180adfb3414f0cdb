"""A full intake in canonical form, reused by the unit and the integration tests."""

from __future__ import annotations

import copy
from typing import Any

_BUNDLE: dict[str, Any] = {
    "salesforce_id": None,
    "emr_patient_id": None,
    "patient": {
        "first_name": "Zoë",
        "middle_name": "Anne-Marie",
        "last_name": "O'Brien",
        "date_of_birth": "2015-03-09",
        "sex": "female",
        "phone": "(555) 123-4567",
        "email": "zoe.obrien@example.org",
        "address": {
            "street": "12 Elm St",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62704",
        },
    },
    "guardians": [
        {
            "salesforce_id": None,
            "first_name": "Maeve",
            "last_name": "O'Brien",
            "relationship": "mother",
            "phone": "555-987-6543",
            "email": "maeve@example.org",
            "is_primary": True,
        },
        {
            "salesforce_id": None,
            "first_name": "Seán",
            "last_name": "O'Brien",
            "relationship": "father",
            "phone": None,
            "email": None,
            "is_primary": False,
        },
    ],
    "insurance": [
        {
            "salesforce_id": None,
            "rank": "primary",
            "payer": "Aetna",
            "member_id": "W123456789",
            "group_number": "GRP-001",
            "subscriber_name": "Maeve O'Brien",
            "subscriber_relationship": "parent",
            "effective_date": "2024-01-01",
        }
    ],
    "notes": [
        {
            "salesforce_id": None,
            "written_at": "2026-11-20T14:03:00Z",
            "author": "Dr. Rivera",
            "text": "Intake: mild asthma, uses inhaler as needed.",
        }
    ],
}


def intake(**patient: Any) -> dict[str, Any]:
    """A fresh deep copy of the sample intake, with demographics overridden."""
    bundle = copy.deepcopy(_BUNDLE)
    bundle["patient"].update(patient)
    return bundle


def with_ids(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same bundle with Salesforce ids filled in, as read back from an org."""
    out = copy.deepcopy(bundle)
    out["salesforce_id"] = "a00000000000001AAA"
    for key, prefix in (("guardians", "a01"), ("insurance", "a02"), ("notes", "a03")):
        for i, item in enumerate(out[key]):
            item["salesforce_id"] = f"{prefix}00000000000{i}AAA"
    return out
