"""Outbound Messages and Apex callouts reach a real listener, retried until acknowledged."""

from __future__ import annotations

import hashlib
import hmac
import json
import xml.etree.ElementTree as ET

from tests.salesforce_org.conftest import Listener, Org
from tests.support.servers import wait_until

NS = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "om": "http://soap.sforce.com/2005/09/outbound",
    "sf": "urn:sobject.enterprise.soap.sforce.com",
}
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def _notifications(body: bytes) -> list[ET.Element]:
    root = ET.fromstring(body)
    return root.findall("./soapenv:Body/om:notifications/om:Notification", NS)


def _acked(org: Org) -> list[dict]:
    return [d for d in org.sandbox("GET", "deliveries").json() if d["acked"]]


def _outbound(org: Org, listener: Listener) -> None:
    org.sandbox("POST", "config", json={"notify": "outbound-message", "webhook_url": listener.url})


def test_outbound_message_envelope_and_ack(org: Org, listener: Listener) -> None:
    _outbound(org, listener)
    patient_id = org.new_patient()["id"]
    wait_until(lambda: _acked(org), what="an acknowledged delivery")

    request = listener.requests[0]
    assert request["headers"]["Content-Type"] == "text/xml; charset=utf-8"
    assert request["headers"]["SOAPAction"] == '""'
    root = ET.fromstring(request["body"])
    message = root.find("./soapenv:Body/om:notifications", NS)
    assert message.find("om:OrganizationId", NS).text.startswith("00D")
    assert message.find("om:ActionId", NS).text.startswith("04k")
    assert message.find("om:SessionId", NS).get(f"{XSI}nil") == "true"
    assert "/services/Soap/c/" in message.find("om:EnterpriseUrl", NS).text
    assert "/services/Soap/u/" in message.find("om:PartnerUrl", NS).text
    (notification,) = message.findall("om:Notification", NS)
    assert notification.find("om:Id", NS).text.startswith("04l")
    sobject = notification.find("om:sObject", NS)
    assert sobject.get(f"{XSI}type") == "sf:Patient__c"
    assert sobject.find("sf:Id", NS).text == patient_id
    assert sobject.find("sf:LastName__c", NS).text == "O'Neil"
    assert sobject.find("sf:BirthDate__c", NS).text == "2019-04-12"
    assert sobject.find("sf:MiddleName__c", NS) is None  # null fields are omitted
    assert sobject.find("sf:EMR_Patient_Id__c", NS) is None

    (delivery,) = org.sandbox("GET", "deliveries").json()
    assert delivery["record_ids"] == [patient_id] and delivery["attempt"] == 1
    assert delivery["status_code"] == 200 and delivery["mode"] == "outbound-message"
    assert org.sandbox("GET", "notifications/pending").json()["pending"] == 0


def test_unacknowledged_messages_are_retried_until_acked_then_stop(
    org: Org, listener: Listener
) -> None:
    listener.fail_first = 2
    _outbound(org, listener)
    first = org.new_patient()["id"]
    wait_until(lambda: _acked(org), timeout=20, what="delivery after two refusals")
    deliveries = org.sandbox("GET", "deliveries").json()
    assert [(d["attempt"], d["acked"]) for d in deliveries] == [(1, False), (2, False), (3, True)]
    first_id = deliveries[0]["notification_ids"]

    # A second change is a barrier: once it is delivered, the sender has passed any
    # retry of the first notification, and there was none.
    second = org.new_patient()["id"]
    wait_until(lambda: len(_acked(org)) == 2, what="the second delivery")
    deliveries = org.sandbox("GET", "deliveries").json()
    assert deliveries[-1]["record_ids"] == [second]
    assert sum(d["notification_ids"] == first_id for d in deliveries) == 3
    assert [_notifications(b)[0].find("om:sObject/sf:Id", NS).text for b in listener.bodies()] == [
        first,
        first,
        first,
        second,
    ]


def test_batches_hold_several_notifications_and_children_notify_their_patient(
    org: Org, listener: Listener
) -> None:
    _outbound(org, listener)
    org.sandbox("POST", "notifications/pause")
    a = org.new_patient()["id"]
    b = org.new_patient()["id"]
    sf = org.salesforce()
    guardian_id = org.sandbox("GET", f"patients/{a}").json()["guardians"][0]["salesforce_id"]
    sf.Guardian__c.update(guardian_id, {"Phone__c": "555-0222"})  # a staff change on a child
    assert org.sandbox("GET", "notifications/pending").json() == {"pending": 3, "paused": True}
    org.sandbox("POST", "notifications/resume")
    wait_until(lambda: _acked(org), what="the batch")
    (delivery,) = org.sandbox("GET", "deliveries").json()
    assert delivery["record_ids"] == [a, b, a]
    assert len(set(delivery["notification_ids"])) == 3
    assert len(_notifications(listener.bodies()[0])) == 3


def test_callback_and_sync_field_writes_do_not_notify(org: Org, listener: Listener) -> None:
    _outbound(org, listener)
    patient_id = org.new_patient()["id"]
    wait_until(lambda: _acked(org), what="the staff change's delivery")
    org.sandbox("POST", "notifications/pause")

    sf = org.salesforce()
    sf.apexecute(
        "EmrSync/",
        method="POST",
        data={
            "recordId": patient_id,
            "status": "Synced",
            "emrPatientId": "MRN-42",
            "changedFields": [],
            "error": None,
        },
    )
    sf.Patient__c.update(patient_id, {"EMR_Sync_Status__c": "Failed", "EMR_Sync_Error__c": "x"})
    assert org.sandbox("GET", "notifications/pending").json()["pending"] == 0

    sf.Patient__c.update(patient_id, {"FirstName__c": "Ada"})  # same value: no change
    assert org.sandbox("GET", "notifications/pending").json()["pending"] == 0
    sf.Patient__c.update(patient_id, {"FirstName__c": "Adele"})  # a staff change
    assert org.sandbox("GET", "notifications/pending").json()["pending"] == 1


def test_duplicate_rate_resends_delivered_notifications(org: Org, listener: Listener) -> None:
    _outbound(org, listener)
    org.sandbox("POST", "config", json={"duplicate_rate": 1.0})
    org.new_patient()
    wait_until(lambda: len(_acked(org)) >= 2, what="a duplicate delivery")
    org.sandbox("POST", "config", json={"duplicate_rate": 0.0})
    first, second = _acked(org)[:2]
    assert first["notification_ids"] == second["notification_ids"]


def test_apex_callout_mode_sends_signed_ids_only(org: Org, listener: Listener) -> None:
    org.sandbox(
        "POST",
        "config",
        json={
            "notify": "apex-callout",
            "events_url": listener.url.replace("outbound-message", "events"),
            "signing_secret": "s3cret",
        },
    )
    patient_id = org.new_patient()["id"]
    wait_until(lambda: _acked(org), what="an accepted event")
    request = listener.requests[0]
    headers, raw = request["headers"], request["body"]
    assert request["path"] == "/salesforce/events"
    assert headers["Content-Type"] == "application/json"
    expected = hmac.new(
        b"s3cret", headers["X-EmrSync-Timestamp"].encode() + b"." + raw, hashlib.sha256
    ).hexdigest()
    assert headers["X-EmrSync-Signature"] == expected
    event = json.loads(raw)
    assert event["orgId"].startswith("00D") and len(event["eventId"]) == 36
    assert [r["id"] for r in event["records"]] == [patient_id]
    assert set(event["records"][0]) == {"id", "lastModifiedDate"}
    (delivery,) = org.sandbox("GET", "deliveries").json()
    assert delivery["mode"] == "apex-callout" and delivery["status_code"] == 202
