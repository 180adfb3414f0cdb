"""Exact behaviour of the parsing and signing modules, written to kill mutants.

``make mutants`` mutates these modules; each test here pins a boundary, a message
(messages reach Salesforce as the SOAP fault or JSON detail, so they are part of
the contract) or a value that the HTTP-level hostile suite only counts.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from syncapp.sfid import checksum, is_org_id, is_salesforce_id, to_18
from syncapp.web import events, signing, soap
from tests.hostile.envelopes import NOTIFICATION, PATIENT, PATIENT_2, envelope, notification
from tests.support.salesforce_messages import ORG_ID

KEY = "k" * 40


# --- sfid ---------------------------------------------------------------------------------
def test_checksum_and_to_18_known_vectors():
    assert checksum("001A0000006Vm9r") == "IAC"
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert to_18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    with pytest.raises(ValueError, match="^not a Salesforce record id$"):
        to_18("001A0000006Vm9rAAA")


def test_prefixes():
    assert is_salesforce_id(PATIENT, prefix="a00") and not is_salesforce_id(PATIENT, prefix="a01")
    assert is_org_id(ORG_ID) and not is_org_id(PATIENT) and not is_org_id(None)


# --- signing ------------------------------------------------------------------------------
def test_sign_known_vector():
    expected = hmac.new(KEY.encode(), b"1700000000.body", hashlib.sha256).hexdigest()
    assert signing.sign(KEY, "1700000000", b"body") == expected


def _verify(ts: int, now: int, *, body=b"b", sig=None, max_age=300):
    signature = sig if sig is not None else signing.sign(KEY, str(ts), body)
    signing.verify(KEY, str(ts), signature, body, max_age=max_age, now=now)


def test_age_boundaries():
    _verify(1000, 1300)  # exactly max_age old: accepted
    with pytest.raises(signing.SignatureError, match="^stale timestamp$"):
        _verify(1000, 1301)
    _verify(1060, 1000)  # exactly the allowed skew ahead: accepted
    with pytest.raises(signing.SignatureError, match="^timestamp in the future$"):
        _verify(1061, 1000)


def test_prefixed_and_upper_case_signatures_verify():
    sig = signing.sign(KEY, "1000", b"b")
    _verify(1000, 1000, sig="sha256=" + sig.upper())
    _verify(1000, 1000, sig=" " + sig + " ")


@pytest.mark.parametrize(
    "secret, ts, sig, message",
    [
        ("", "1000", "a" * 64, "signing secret not configured"),
        (KEY, "1000", None, "missing signature headers"),
        (KEY, None, "a" * 64, "missing signature headers"),
        (KEY, "10x0", "a" * 64, "malformed timestamp"),
        (KEY, "1000", "g" * 64, "malformed signature"),
        (KEY, "1000", "a" * 64, "bad signature"),
    ],
)
def test_signature_error_messages(secret, ts, sig, message):
    with pytest.raises(signing.SignatureError, match=f"^{message}$"):
        signing.verify(secret, ts, sig, b"b", max_age=300, now=1000)


# --- soap ---------------------------------------------------------------------------------
def test_fault_envelopes_exactly():
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soapenv:Body><soapenv:Fault>"
    )
    tail = "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    assert soap.fault("a<b", client=True) == (
        head + "<faultcode>soapenv:Client</faultcode><faultstring>a&lt;b</faultstring>" + tail
    )
    assert soap.fault("x", client=False) == (
        head + "<faultcode>soapenv:Server</faultcode><faultstring>x</faultstring>" + tail
    )


def test_parsed_message_fields():
    message = soap.parse_outbound_message(envelope(notification(NOTIFICATION, PATIENT)))
    assert message.organization_id == ORG_ID and message.action_id == "04k5g000000KzAbAAK"
    [n] = message.notifications
    assert (n.notification_id, n.object_type, n.record_id) == (NOTIFICATION, "Patient__c", PATIENT)
    no_action = envelope().replace(b"<ActionId>04k5g000000KzAbAAK</ActionId>", b"", 1)
    assert soap.parse_outbound_message(no_action).action_id == ""
    empty_action = envelope().replace(b"<ActionId>04k5g000000KzAbAAK</ActionId>", b"<ActionId/>")
    assert soap.parse_outbound_message(empty_action).action_id == ""


def test_notification_cap_boundary():
    two = envelope(notification(), notification(NOTIFICATION, PATIENT_2))
    assert len(soap.parse_outbound_message(two, max_notifications=2).notifications) == 2
    with pytest.raises(soap.SoapInputError, match="^expected 1 to 1 notifications$"):
        soap.parse_outbound_message(two, max_notifications=1)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<x", "malformed XML"),
        (b"<!DOCTYPE x><x/>", "forbidden XML construct (DTDForbidden)"),
        (b"<x/>", "not a SOAP 1.1 envelope"),
        (
            envelope().replace(b"<notifications", b"<n", 1).replace(b"</notifications", b"</n"),
            "no notifications element",
        ),
        (envelope(org="x"), "missing or malformed OrganizationId"),
        (envelope(notification(nid="x")), "notification without a valid Id or sObject"),
        (envelope(notification(rid="x")), "sObject without a valid Id of the synced object"),
    ],
)
def test_soap_error_messages(body, message):
    with pytest.raises(soap.SoapInputError) as info:
        soap.parse_outbound_message(body)
    assert str(info.value) == message


# --- events -------------------------------------------------------------------------------
def _event(**changes) -> bytes:
    value = {"orgId": ORG_ID, "eventId": "evt-0001-abcd", "records": [{"id": PATIENT}]}
    value.update(changes)
    return json.dumps(value).encode()


def test_event_fields():
    event = events.parse_event(_event(records=[{"id": PATIENT[:15]}]))
    assert (event.org_id, event.event_id, event.record_ids) == (ORG_ID, "evt-0001-abcd", [PATIENT])


def test_depth_boundary():
    deep = _event(records=[{"id": PATIENT, "x": [[[[[1]]]]]}])  # depth 8
    assert events.nesting_depth(deep) == 8
    events.parse_event(deep, max_depth=8)
    with pytest.raises(events.EventInputError) as info:
        events.parse_event(deep, max_depth=7)
    assert (info.value.status, info.value.error, info.value.detail) == (
        400,
        "malformed JSON",
        "nested too deeply",
    )


@pytest.mark.parametrize(
    "number, ok",
    [
        ("1" * 32, True),
        ("1" * 33, False),
        ("1." + "1" * 31, False),
        ("NaN", False),
        ("Infinity", False),
        ("1.5", True),
        ("1e5", True),
        ("1E5", True),
    ],
)
def test_numbers(number, ok):
    body = _event().replace(b'"id": ', b'"n": ' + number.encode() + b', "id": ', 1)
    if ok:
        events.parse_event(body)
        return
    with pytest.raises(events.EventInputError) as info:
        events.parse_event(body)
    assert (info.value.status, info.value.error, info.value.detail) == (400, "malformed JSON", None)


def test_schema_violation_detail_names_fields():
    with pytest.raises(events.EventInputError) as info:
        events.parse_event(_event(orgId="x", records=[{"id": "y"}]))
    assert (info.value.status, info.value.error) == (422, "schema violation")
    assert info.value.detail == "invalid fields: orgId, records.0.id"
    with pytest.raises(events.EventInputError) as info:
        events.parse_event(b"[]")
    assert info.value.detail == "invalid fields: body"


def test_record_prefix_reaches_the_id_check():
    body = _event(records=[{"id": to_18("0015g00000AbCdE")}])
    events.parse_event(body)  # any object's id without a prefix
    with pytest.raises(events.EventInputError) as info:
        events.parse_event(body, record_prefix="a00")
    assert info.value.detail == "invalid fields: records.0.id"


def test_verify_uses_the_clock_when_not_given_a_time():
    import time

    ts = str(int(time.time()))
    signing.verify(KEY, ts, signing.sign(KEY, ts, b"b"), b"b", max_age=300)


def test_default_depth_limit_is_eight():
    events.parse_event(_event(records=[{"id": PATIENT, "x": [[[[[1]]]]]}]))  # depth 8
    with pytest.raises(events.EventInputError):
        events.parse_event(_event(records=[{"id": PATIENT, "x": [[[[[[1]]]]]]}]))  # depth 9
