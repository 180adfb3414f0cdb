"""Salesforce Outbound Message SOAP: parse notifications safely, build the acknowledgement.

Parsing uses defusedxml with DTDs, entities and external references forbidden,
so an XML bomb or an XXE probe is a 400, not an outage or a file leak. Only
record ids are taken from a notification: the field values Salesforce includes
are ignored (the worker reads the current record through the REST API), which
also keeps patient data out of everything the webhook touches.

Ids are checked strictly (``syncapp.sfid``): exact length, verified checksum, and
the synced object's key prefix, so an id with a stray newline, a lost letter case
or another object's prefix is refused rather than repaired into some other record.
A message carries at most ``max_notifications`` notifications (Salesforce sends
at most 100).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element  # nosec B405 - a type only; parsing is defusedxml

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from syncapp.sfid import is_org_id, is_salesforce_id, to_18

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100


class SoapInputError(ValueError):
    """Raised when a request is not a well-formed Outbound Message; the text is safe to return."""


@dataclass(frozen=True)
class Notification:
    notification_id: str
    object_type: str
    record_id: str


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    notifications: list[Notification]


def _text(parent: Element, tag: str) -> str:
    """The element's text as sent: no stripping, so an id with whitespace stays invalid."""
    el = parent.find(tag)
    return (el.text or "") if el is not None else ""


def parse_outbound_message(
    body: bytes, *, max_notifications: int = MAX_NOTIFICATIONS, record_prefix: str | None = None
) -> OutboundMessage:
    """Parse a notifications envelope; raise ``SoapInputError`` naming what is wrong.

    ``record_prefix``: the key prefix every record id must have (the synced object's).
    """
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SoapInputError(f"forbidden XML construct ({type(exc).__name__})") from None
    except (SafeET.ParseError, ValueError, LookupError):
        # ParseError, or an encoding declaration Python cannot decode.
        raise SoapInputError("malformed XML") from None
    if root.tag != f"{{{SOAPENV}}}Envelope":
        raise SoapInputError("not a SOAP 1.1 envelope")
    notifications_el = root.find(f"{{{SOAPENV}}}Body/{{{OUTBOUND}}}notifications")
    if notifications_el is None:
        raise SoapInputError("no notifications element")
    org = _text(notifications_el, f"{{{OUTBOUND}}}OrganizationId")
    if not is_org_id(org):
        raise SoapInputError("missing or malformed OrganizationId")
    items = notifications_el.findall(f"{{{OUTBOUND}}}Notification")
    if not 1 <= len(items) <= max_notifications:
        raise SoapInputError(f"expected 1 to {max_notifications} notifications")
    parsed = []
    for item in items:
        nid = _text(item, f"{{{OUTBOUND}}}Id")
        sobject = item.find(f"{{{OUTBOUND}}}sObject")
        if not is_salesforce_id(nid) or sobject is None:
            raise SoapInputError("notification without a valid Id or sObject")
        xsi_type = sobject.get(f"{{{XSI}}}type", "")
        object_type = xsi_type.split(":", 1)[-1]
        record_id = _text(sobject, f"{{{SOBJECT}}}Id")
        if not is_salesforce_id(record_id, prefix=record_prefix):
            raise SoapInputError("sObject without a valid Id of the synced object")
        parsed.append(Notification(to_18(nid), object_type, to_18(record_id)))
    return OutboundMessage(org, _text(notifications_el, f"{{{OUTBOUND}}}ActionId"), parsed)


ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


def fault(reason: str, *, client: bool) -> str:
    """A SOAP fault; ``reason`` is ours and value-free. Salesforce retries on any non-ack."""
    from html import escape  # &, <, > (and quotes): enough for XML text content

    code = "soapenv:Client" if client else "soapenv:Server"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(reason)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
