"""Hostile Apex callout events: refused with a 4xx, nothing published, nothing leaked."""

from __future__ import annotations

import json
import time

import pytest

from syncapp.web.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.hostile.cases import BAD_ORG_IDS, BAD_RECORD_IDS, OTHER_ORG, WRONG_CONTENT_TYPES
from tests.hostile.conftest import CANARY, SIGNING_KEY
from tests.hostile.envelopes import ACCOUNT, PATIENT, PATIENT_2
from tests.support.salesforce_messages import ORG_ID

PATH = "/salesforce/events"


def event(records=(PATIENT,), *, org=ORG_ID, event_id="evt-0001-abcd", **extra) -> dict:
    return {
        "orgId": org,
        "eventId": event_id,
        "records": [{"id": r, "lastModifiedDate": "2026-11-26T10:00:00.000Z"} for r in records],
        **extra,
    }


def raw(body: bytes, *, ts: str | None = None, secret: str = SIGNING_KEY, **headers) -> dict:
    ts = ts if ts is not None else str(int(time.time()))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
        **headers,
    }


def post(probe, kind, body: bytes, headers: dict, **kw):
    return probe(kind, "POST", PATH, data=body, headers=headers, **kw)


def _refused(out, status=None):
    assert 400 <= out.status < 500, out.status
    if status is not None:
        assert out.status == status, out.status
    assert out.published == 0 and not out.leaked


def test_a_genuine_event_is_accepted(probe):
    body = json.dumps(event([PATIENT, PATIENT_2])).encode()
    out = post(probe, "control", body, raw(body), expect_4xx=False)
    assert out.status == 202 and out.published == 2


# --- finding 5: signature headers of any bytes, Content-Type, depth, numbers -------------
def _sig_cases():
    now = str(int(time.time()))
    body = json.dumps(event()).encode()
    good = sign(SIGNING_KEY, now, body)
    return {
        "non-ascii-signature": {SIGNATURE_HEADER: "é" * 64},
        "latin1-byte-signature": {SIGNATURE_HEADER: good[:-1] + "\xff"},
        "signature-with-space": {SIGNATURE_HEADER: good[:30] + " " + good[31:]},
        "signature-too-short": {SIGNATURE_HEADER: good[:-2]},
        "signature-too-long": {SIGNATURE_HEADER: good + "00"},
        "signature-empty": {SIGNATURE_HEADER: ""},
        "signature-other-secret": {SIGNATURE_HEADER: sign("x" * 40, now, body)},
        "signature-of-other-body": {SIGNATURE_HEADER: sign(SIGNING_KEY, now, body + b" ")},
        "timestamp-non-ascii-digits": {TIMESTAMP_HEADER: "١٧٠٠٠٠٠٠٠٠"},
        "timestamp-negative": {TIMESTAMP_HEADER: "-1"},
        "timestamp-float": {TIMESTAMP_HEADER: now + ".5"},
        "timestamp-huge": {TIMESTAMP_HEADER: "9" * 400},
        "timestamp-empty": {TIMESTAMP_HEADER: ""},
        "timestamp-future-1h": lambda: {TIMESTAMP_HEADER: str(int(time.time()) + 3600)},
        "timestamp-future-5min": lambda: {TIMESTAMP_HEADER: str(int(time.time()) + 300)},
        "timestamp-stale": lambda: {TIMESTAMP_HEADER: str(int(time.time()) - 3600)},
        "timestamp-zero": {TIMESTAMP_HEADER: "0"},
    }


SIG_CASES = _sig_cases()


@pytest.mark.parametrize("override", SIG_CASES.values(), ids=SIG_CASES.keys())
def test_bad_signature_headers_are_401(probe, override):
    # Times relative to now are computed when the test runs, not at collection: a
    # long suite would otherwise let "5 minutes ahead" drift into the allowed skew.
    override = override() if callable(override) else override
    body = json.dumps(event() | {"records": [{"id": PATIENT, "LastName__c": CANARY}]}).encode()
    headers = raw(body)
    ts = override.get(TIMESTAMP_HEADER)
    if ts is not None and SIGNATURE_HEADER not in override:
        headers = raw(body, ts=ts)  # a valid signature over a bad timestamp
    headers.update(override)
    _refused(post(probe, "JSON: signature headers", body, headers), 401)


def test_missing_signature_headers_are_401(probe):
    body = json.dumps(event()).encode()
    _refused(
        post(probe, "JSON: signature headers", body, {"Content-Type": "application/json"}), 401
    )


@pytest.mark.parametrize("content_type", WRONG_CONTENT_TYPES + ["text/xml"])
def test_wrong_content_type_is_415(probe, content_type):
    body = json.dumps(event()).encode()
    headers = raw(body)
    if content_type is None:
        del headers["Content-Type"]
    else:
        headers["Content-Type"] = content_type
    _refused(post(probe, "JSON: Content-Type", body, headers), 415)


def _signed(body: bytes):
    return body, raw(body)


BODIES = {
    "nested-100000": b'{"orgId":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested-9": b'{"orgId":' + b"[" * 9 + b"]" * 9 + b"}",
    "nested-in-records": json.dumps(event() | {"records": [[[[[[[[[{}]]]]]]]]]}).encode(),
    "int-5000-digits": b'{"orgId": ' + b"9" * 5000 + b"}",
    "int-40-digits": b'{"n": ' + b"9" * 40 + b"}",
    "float-huge-exponent": b'{"n": 1e99999999999999999999}',
    "nan": b'{"n": NaN}',
    "infinity": b'{"n": Infinity}',
    "minus-infinity": b'{"n": -Infinity}',
    "not-json": b"{" + CANARY.encode(),
    "empty": b"",
    "trailing-garbage": json.dumps(event()).encode() + b"x",
    "invalid-utf8": json.dumps(event()).encode().replace(b"evt", b"\xff\xfe", 1),
    "utf16": json.dumps(event()).encode("utf-16"),
    "list": b"[]",
    "string": b'"x"',
    "null": b"null",
    "number": b"1",
    "unknown-key": json.dumps(event(patient={"LastName": CANARY})).encode(),
    "missing-records": json.dumps({"orgId": ORG_ID, "eventId": "evt-0001-abcd"}).encode(),
    "zero-records": json.dumps(event([])).encode(),
    "201-records": json.dumps(event([PATIENT] * 201)).encode(),
    "records-object": json.dumps(event() | {"records": {"id": PATIENT}}).encode(),
    "record-id-int": json.dumps(event() | {"records": [{"id": 12}]}).encode(),
    "record-id-null": json.dumps(event() | {"records": [{"id": None}]}).encode(),
    "record-id-list": json.dumps(event() | {"records": [{"id": [PATIENT]}]}).encode(),
    "record-not-object": json.dumps(event() | {"records": [PATIENT]}).encode(),
    "org-id-int": json.dumps(event() | {"orgId": 5}).encode(),
    "event-id-short": json.dumps(event(event_id="x")).encode(),
    "event-id-newline": json.dumps(event(event_id="evt-0001-abcd\n")).encode(),
    "event-id-long": json.dumps(event(event_id="e" * 65)).encode(),
    "event-id-int": json.dumps(event() | {"eventId": 12345678}).encode(),
    "last-modified-long": json.dumps(
        event() | {"records": [{"id": PATIENT, "lastModifiedDate": CANARY * 10}]}
    ).encode(),
    "duplicate-key-smuggling": (
        b'{"orgId": "' + ORG_ID.encode() + b'", "eventId": "evt-0001-abcd", '
        b'"records": [{"id": "' + ACCOUNT.encode() + b'"}], "records": []}'
    ),
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_malformed_signed_bodies_are_4xx(probe, body):
    out = post(probe, "JSON: body shape and limits", *_signed(body))
    _refused(out)
    assert out.status in (400, 422)


def test_declared_oversize_body_is_413(probe):
    body = json.dumps(event(pad="a" * 1_100_000)).encode()
    _refused(post(probe, "JSON: body size", *_signed(body)), 413)


def test_streamed_oversize_body_is_413(probe):
    import io

    body = json.dumps(event(pad="a" * 1_100_000)).encode()
    out = probe(
        "JSON: body size",
        "POST",
        PATH,
        input_stream=io.BytesIO(body),
        headers=raw(body),
        environ_overrides={"wsgi.input_terminated": True},
    )
    _refused(out, 413)


# --- finding 6: strict ids on the JSON path ------------------------------------------------
@pytest.mark.parametrize("bad", BAD_RECORD_IDS.values(), ids=BAD_RECORD_IDS.keys())
def test_bad_record_ids_are_422(probe, bad):
    # Extra keys in a record are ignored (not refused), so the canary rides there.
    body = json.dumps(event() | {"records": [{"id": bad, "LastName__c": CANARY}]}).encode()
    _refused(post(probe, "JSON: record ids", *_signed(body)), 422)


@pytest.mark.parametrize("org", BAD_ORG_IDS.values(), ids=BAD_ORG_IDS.keys())
def test_bad_org_ids_are_422(probe, org):
    body = json.dumps(event(org=org)).encode()
    _refused(post(probe, "JSON: org ids", *_signed(body)), 422)


def test_an_org_not_allowed_is_403(probe):
    body = json.dumps(event(org=OTHER_ORG)).encode()
    _refused(post(probe, "JSON: org ids", *_signed(body)), 403)


def test_a_replayed_event_starts_nothing(probe):
    body = json.dumps(event(event_id="evt-replay-0001")).encode()
    first = post(probe, "control", *_signed(body), expect_4xx=False)
    again = post(probe, "control", *_signed(body), expect_4xx=False)
    assert (first.status, first.published) == (202, 1)
    assert (again.status, again.published) == (202, 0)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405(probe, method):
    _refused(probe("JSON: methods", method, PATH), 405)
