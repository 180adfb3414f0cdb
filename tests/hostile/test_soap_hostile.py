"""Hostile Outbound Messages: each is refused with a 4xx, publishes nothing and leaks nothing."""

from __future__ import annotations

import pytest

from tests.hostile.cases import BAD_ORG_IDS, BAD_RECORD_IDS, OTHER_ORG, WRONG_CONTENT_TYPES
from tests.hostile.conftest import CANARY, OM_SECRET, om_path
from tests.hostile.envelopes import (
    NOTIFICATION,
    NOTIFICATION_2,
    PATIENT,
    PATIENT_2,
    envelope,
    notification,
)

LEAKY = f"<sf:LastName__c>{CANARY}</sf:LastName__c>"
XML = "text/xml; charset=utf-8"


def _refused(outcome, status: int | None = None) -> None:
    assert 400 <= outcome.status < 500, outcome.status
    if status is not None:
        assert outcome.status == status
    assert outcome.published == 0
    assert not outcome.leaked
    assert b"<Ack>true</Ack>" not in outcome.body


def post(probe, kind, body, *, path=None, content_type=XML, **kw):
    headers = kw.pop("headers", {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    return probe(kind, "POST", path or om_path(), data=body, headers=headers, **kw)


def test_a_genuine_message_is_acknowledged_with_one_job(probe):
    out = post(probe, "control", envelope(notification(extra=LEAKY)), expect_4xx=False)
    assert out.status == 200 and b"<Ack>true</Ack>" in out.body
    assert out.published == 1 and not out.leaked


# --- finding 1: forgery needs the URL secret ---------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        om_path(None),
        om_path("wrong"),
        om_path(OM_SECRET[:-1]),
        om_path(OM_SECRET + "x"),
        om_path(OM_SECRET.upper()),
        om_path(OM_SECRET + "/extra"),
        om_path("%00" + OM_SECRET),
        om_path("é" * 40),
        om_path(None) + "?secret=" + OM_SECRET,
        om_path(" " + OM_SECRET),
    ],
    ids=[
        "no-secret",
        "wrong",
        "prefix",
        "longer",
        "upper",
        "extra-seg",
        "nul",
        "non-ascii",
        "in-query",
        "space",
    ],
)
def test_forged_messages_without_the_url_secret_are_refused(probe, path):
    _refused(post(probe, "SOAP: forged (URL secret)", envelope(), path=path), 404)


def test_a_forged_hundred_notification_message_starts_nothing(probe):
    notes = [notification(NOTIFICATION, PATIENT) for _ in range(100)]
    _refused(post(probe, "SOAP: forged (URL secret)", envelope(*notes), path=om_path(None)), 404)


def test_a_reused_notification_id_for_another_record_still_gets_its_job(probe):
    """Dedupe is keyed by org + notification id + record id (finding 1: poisoning)."""
    first = post(probe, "control", envelope(notification(NOTIFICATION, PATIENT)), expect_4xx=False)
    second = post(
        probe, "control", envelope(notification(NOTIFICATION, PATIENT_2)), expect_4xx=False
    )
    again = post(probe, "control", envelope(notification(NOTIFICATION, PATIENT)), expect_4xx=False)
    assert (first.status, second.status, again.status) == (200, 200, 200)
    assert (first.published, second.published, again.published) == (1, 1, 0)


def test_notifications_per_message_are_capped(probe):
    notes = [notification(NOTIFICATION_2, PATIENT, extra=LEAKY)] * 101
    _refused(post(probe, "SOAP: caps", envelope(*notes)), 400)


# --- finding 5: Content-Type, size -------------------------------------------------------
@pytest.mark.parametrize("content_type", WRONG_CONTENT_TYPES)
def test_wrong_content_type_is_415(probe, content_type):
    body = envelope(notification(extra=LEAKY))
    _refused(post(probe, "SOAP: Content-Type", body, content_type=content_type), 415)


def test_declared_oversize_body_is_413(probe):
    body = envelope(notification(extra=LEAKY + "<sf:x>" + "a" * 1_100_000 + "</sf:x>"))
    _refused(post(probe, "SOAP: body size", body), 413)


def test_streamed_oversize_body_is_413_not_truncated(probe):
    """A body with no Content-Length (chunked) past the limit: 413, not parsed when cut."""
    import io

    body = envelope(notification(extra=LEAKY + "<sf:x>" + "a" * 1_100_000 + "</sf:x>"))
    out = post(
        probe,
        "SOAP: body size",
        None,
        input_stream=io.BytesIO(body),
        environ_overrides={"wsgi.input_terminated": True},
    )
    _refused(out, 413)


# --- XML attacks, inside genuine SOAP envelopes --------------------------------------------
_LOL = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)
)
XML_ATTACKS = {
    "billion-laughs": envelope(
        notification(rid="&lol9;", extra=LEAKY), doctype=_LOL.replace("&lol;", "&lol;") + "]>"
    ),
    "xxe-file": envelope(
        notification(rid="&xxe;", extra=LEAKY),
        doctype='<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ),
    "xxe-http": envelope(
        notification(rid="&xxe;", extra=LEAKY),
        doctype='<!DOCTYPE e [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>',
    ),
    "parameter-entity": envelope(
        notification(extra=LEAKY),
        doctype='<!DOCTYPE e [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    ),
    "external-dtd": envelope(
        notification(extra=LEAKY),
        doctype='<!DOCTYPE soapenv:Envelope SYSTEM "http://127.0.0.1:1/evil.dtd">',
    ),
    "internal-entity": envelope(
        notification(rid="&pid;", extra=LEAKY),
        doctype=f'<!DOCTYPE e [<!ENTITY pid "{PATIENT}">]>',
    ),
    "doctype-only": envelope(notification(extra=LEAKY), doctype="<!DOCTYPE soapenv:Envelope>"),
    "truncated": envelope(notification(extra=LEAKY))[:-40],
    "not-xml": b"{" + CANARY.encode() + b"}",
    "empty": b"",
    "bogus-encoding": envelope(
        notification(extra=LEAKY), prolog='<?xml version="1.0" encoding="x-bogus-9"?>'
    ),
    "invalid-utf8": envelope(notification(extra=LEAKY)).replace(b"Notification>", b"N\xff>", 1),
    "nul-byte": envelope(notification(rid=PATIENT[:17] + "\x00", extra=LEAKY)),
    "deep-nesting": b"<a>" * 100_000 + b"</a>" * 100_000,
    "soap-1.2": envelope(
        notification(extra=LEAKY), envelope_ns="http://www.w3.org/2003/05/soap-envelope"
    ),
    "wrong-outbound-ns": envelope(notification(extra=LEAKY), outbound_ns="urn:evil"),
    "no-notifications-element": envelope(notification(extra=LEAKY)).replace(
        b"<notifications", b"<other", 1
    ),
    "zero-notifications": envelope("<x/>"),
    "sobject-missing": envelope(f"<Notification><Id>{NOTIFICATION}</Id></Notification>"),
    "record-id-missing": envelope(
        notification(extra=LEAKY).replace(f"<sf:Id>{PATIENT}</sf:Id>", "")
    ),
    "cdata-id": envelope(notification(rid=f"<![CDATA[{PATIENT}\n]]>", extra=LEAKY)),
    "comment-in-id": envelope(notification(rid=PATIENT[:9] + "<!--x-->" + PATIENT[9:] + " ")),
    "account-type": envelope(notification(xsi_type="sf:Account", extra=LEAKY)),
    "no-type": envelope(notification(xsi_type=None, extra=LEAKY)),
}


@pytest.mark.parametrize("body", XML_ATTACKS.values(), ids=XML_ATTACKS.keys())
def test_xml_attacks_in_soap_envelopes_are_400(probe, body):
    _refused(post(probe, "SOAP: XML attacks and structure", body), 400)


@pytest.mark.parametrize("bad", BAD_RECORD_IDS.values(), ids=BAD_RECORD_IDS.keys())
def test_bad_record_ids_are_400(probe, bad):
    from xml.sax.saxutils import escape

    body = envelope(notification(rid=escape(bad), extra=LEAKY))
    _refused(post(probe, "SOAP: record ids", body), 400)


@pytest.mark.parametrize(
    "bad",
    [NOTIFICATION + "\n", NOTIFICATION[:17], NOTIFICATION[:15].upper() + NOTIFICATION[15:], ""],
    ids=["newline", "length-17", "case-lost", "empty"],
)
def test_bad_notification_ids_are_400(probe, bad):
    body = envelope(notification(nid=bad, extra=LEAKY))
    _refused(post(probe, "SOAP: notification ids", body), 400)


@pytest.mark.parametrize("org", BAD_ORG_IDS.values(), ids=BAD_ORG_IDS.keys())
def test_bad_org_ids_are_400(probe, org):
    _refused(post(probe, "SOAP: org ids", envelope(notification(extra=LEAKY), org=org)), 400)


def test_an_org_not_allowed_is_403(probe):
    out = post(probe, "SOAP: org ids", envelope(notification(extra=LEAKY), org=OTHER_ORG))
    _refused(out, 403)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(probe, method):
    _refused(probe("SOAP: methods", method, om_path()), 405)
