"""Outbound Message envelopes for hostile tests: genuine shape, one thing wrong at a time."""

from __future__ import annotations

from sandbox.salesforce_org.ids import checksum
from tests.support.salesforce_messages import ORG_ID


def full(id15: str) -> str:
    return id15 + checksum(id15)


PATIENT = full("a004W0x7iRjr1u8")  # mixed case: a lost case changes the record
PATIENT_2 = full("a004W0Kq2ZbT9vM")
NOTIFICATION = full("04l5g000001AbCd")
NOTIFICATION_2 = full("04l5g000001XyZw")
ACCOUNT = full("0015g00000AbCdE")  # an Account's id: right length, wrong object
GUARDIAN = full("a014W0x7iRjr1u8")  # another custom object (Guardian__c in the sandbox)


def notification(
    nid: str = NOTIFICATION,
    rid: str = PATIENT,
    *,
    xsi_type: str = "sf:Patient__c",
    extra: str = "",
) -> str:
    type_attr = f' xsi:type="{xsi_type}"' if xsi_type is not None else ""
    return (
        f"<Notification><Id>{nid}</Id>"
        f'<sObject{type_attr} xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{rid}</sf:Id>{extra}</sObject></Notification>"
    )


def envelope(
    *notes: str,
    org: str = ORG_ID,
    doctype: str = "",
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
    envelope_ns: str = "http://schemas.xmlsoap.org/soap/envelope/",
    outbound_ns: str = "http://soap.sforce.com/2005/09/outbound",
    body_extra: str = "",
) -> bytes:
    """A notifications envelope as Salesforce sends it (``notes`` = Notification elements)."""
    notes = notes or (notification(),)
    return (
        f"{prolog}{doctype}"
        f'<soapenv:Envelope xmlns:soapenv="{envelope_ns}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        f'<notifications xmlns="{outbound_ns}">'
        f"<OrganizationId>{org}</OrganizationId><ActionId>04k5g000000KzAbAAK</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/x</EnterpriseUrl>"
        "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/x</PartnerUrl>"
        f"{''.join(notes)}</notifications>{body_extra}</soapenv:Body></soapenv:Envelope>"
    ).encode()
