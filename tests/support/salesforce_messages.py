"""Build Salesforce's inbound messages as Salesforce sends them, for webhook tests."""

from __future__ import annotations

import json
import time
import uuid
from xml.sax.saxutils import escape

from syncapp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

ORG_ID = "00D5g000004CDEFEA4"


def outbound_message(
    records: list[tuple[str, str]], *, org_id: str = ORG_ID, fields: dict[str, str] | None = None
) -> bytes:
    """``records`` = [(notification id, record id)]; ``fields`` are extra sObject values."""
    extra = "".join(f"<sf:{k}>{escape(v)}</sf:{k}>" for k, v in (fields or {}).items())
    notes = "".join(
        f"<Notification><Id>{nid}</Id>"
        f'<sObject xsi:type="sf:Patient__c" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{rid}</sf:Id>{extra}</sObject></Notification>"
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


def sf_id(n: int, prefix: str = "a00") -> str:
    """A well-formed 18-character id for record number ``n``."""
    from syncapp.sfid import to_18

    return to_18(f"{prefix}5g00000{n:05d}"[:15])
