"""Patients and Salesforce messages for the demo, the tests and the benchmarks.

One place for what they all need: valid, realistic intake bundles distinct per
number (every last name carries a letter code of its number, so no two bundles
of a run can match the portal's name + date-of-birth search), the Salesforce
ids the org assigned, a comparison of a chart with a record on what both hold,
and inbound messages as Salesforce sends them. Never imported by production code.
"""

from __future__ import annotations

import copy
import json
import string
import time
import uuid
from typing import Any
from xml.sax.saxutils import escape

from syncapp.sfid import to_18
from syncapp.web.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

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


def with_ids(bundle: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    """The bundle with the ids the sandbox org assigned (to send it again as an update)."""
    b = copy.deepcopy(bundle)
    b["salesforce_id"] = ids["id"]
    for key in ("guardians", "insurance", "notes"):
        for item, rid in zip(b[key], ids.get(key, []), strict=False):
            item["salesforce_id"] = rid
    return b


def without_ids(bundle: dict[str, Any]) -> dict[str, Any]:
    """A new patient: the org assigns every id (samples carry ids of another org)."""
    b = copy.deepcopy(bundle)
    b["salesforce_id"] = None
    b["emr_patient_id"] = None
    for key in ("guardians", "insurance", "notes"):
        for item in b.get(key, []):
            item["salesforce_id"] = None
    return b


def normalise(bundle: dict[str, Any]) -> dict[str, Any]:
    """What both systems hold, in a stable order: a chart is right when this is equal.

    The EMR keeps no Salesforce ids for guardians and coverages, a note's id as its
    external reference, and a note's date without the time.
    """

    def clean(d: dict[str, Any]) -> dict[str, Any]:
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
            key=lambda n: (n["ref"] or "", n["date"], n["text"]),
        ),
    }


ORG_ID = "00D5g000004CDEFEA4"


def outbound_message(
    records: list[tuple[str, str]],
    *,
    org_id: str = ORG_ID,
    fields: dict[str, str] | None = None,
) -> bytes:
    """An Outbound Message as Salesforce sends it: ``records`` = [(notification id, record id)].

    ``fields`` are extra sObject values, as an Outbound Message that selects them carries.
    """
    extra = "".join(f"<sf:{k}>{escape(v)}</sf:{k}>" for k, v in (fields or {}).items())
    notes = "".join(
        f"<Notification><Id>{escape(nid)}</Id>"
        '<sObject xsi:type="sf:Patient__c" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{escape(rid)}</sf:Id>{extra}</sObject></Notification>"
        for nid, rid in records
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k5g000000KzAbAAK</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D5g000004CDEF</EnterpriseUrl>"
        "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D5g000004CDEF</PartnerUrl>"
        f"{notes}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def signed_event(
    record_ids: list[str],
    *,
    secret: str,
    org_id: str = ORG_ID,
    event_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The Apex Queueable's signed JSON event: (body, headers)."""
    body = json.dumps(
        {
            "orgId": org_id,
            "eventId": event_id or str(uuid.uuid4()),
            "records": [
                {"id": r, "lastModifiedDate": "2026-11-26T10:00:00.000Z"} for r in record_ids
            ],
        }
    ).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
    }
