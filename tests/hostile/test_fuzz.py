"""Property-based fuzzing (hypothesis) of the SOAP and JSON parsers, ids and signatures.

The promise under test: whatever the bytes, a parser returns a value or raises its
own input error (which the endpoint turns into a 4xx), never anything else (a 500).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncapp.sfid import checksum, is_salesforce_id, to_18
from syncapp.web import events, signing, soap
from tests.hostile.envelopes import PATIENT, envelope, notification

FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _soap_total(body: bytes) -> None:
    try:
        message = soap.parse_outbound_message(body, record_prefix="a00")
    except soap.SoapInputError:
        return
    for n in message.notifications:  # whatever got through is strictly valid
        assert is_salesforce_id(n.record_id, prefix="a00") and len(n.record_id) == 18


def _json_total(body: bytes) -> None:
    try:
        event = events.parse_event(body, record_prefix="a00")
    except events.EventInputError as exc:
        assert exc.status in (400, 422)
        return
    assert all(is_salesforce_id(r, prefix="a00") and len(r) == 18 for r in event.record_ids)


@FAST
@given(st.binary(max_size=2000))
def test_soap_parser_on_arbitrary_bytes(body):
    _soap_total(body)


@FAST
@given(st.data())
def test_soap_parser_on_mutated_genuine_envelopes(data):
    body = bytearray(envelope(notification()))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(body) - 1))
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if op == "flip":
            body[at] = data.draw(st.integers(0, 255))
        elif op == "insert":
            body[at:at] = data.draw(st.binary(min_size=1, max_size=20))
        else:
            del body[at : at + data.draw(st.integers(1, 20))]
    _soap_total(bytes(body))


@FAST
@given(st.text(max_size=30))
def test_soap_record_id_accepted_iff_strictly_valid(text):
    from xml.sax.saxutils import escape

    body = envelope(notification(rid=escape(text)))
    try:
        message = soap.parse_outbound_message(body, record_prefix="a00")
    except soap.SoapInputError:
        assert not is_salesforce_id(text, prefix="a00")
        return
    assert is_salesforce_id(text, prefix="a00")
    assert message.notifications[0].record_id == to_18(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


@FAST
@given(st.binary(max_size=2000))
def test_json_parser_on_arbitrary_bytes(body):
    _json_total(body)


@FAST
@given(json_values)
def test_json_parser_on_arbitrary_json(value):
    _json_total(json.dumps(value).encode())


@FAST
@given(
    st.fixed_dictionaries(
        {
            "orgId": st.sampled_from(["00D5g000004CDEFEA4", "", "00D5g000004CDEF"]) | st.text(),
            "eventId": st.from_regex(r"[A-Za-z0-9\-]{0,70}", fullmatch=True),
            "records": st.lists(
                st.fixed_dictionaries({"id": st.sampled_from([PATIENT]) | st.text(ALNUM)}),
                max_size=5,
            ),
        }
    )
)
def test_json_parser_on_event_shaped_values(value):
    _json_total(json.dumps(value).encode())


@FAST
@given(json_values)
def test_nesting_depth_is_exact(value):
    def depth(v) -> int:
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        return 0

    assert events.nesting_depth(json.dumps(value).encode()) == depth(value)


@FAST
@given(st.text(ALNUM, min_size=15, max_size=15))
def test_ids_normalise_and_any_case_change_is_refused(id15):
    full = to_18(id15)
    assert full == id15 + checksum(id15) and to_18(full) == full and is_salesforce_id(full)
    for i, ch in enumerate(id15):
        if ch.isalpha():
            flipped = full[:i] + ch.swapcase() + full[i + 1 :]
            assert not is_salesforce_id(flipped)


@FAST
@given(st.text(max_size=80), st.text(max_size=80), st.binary(max_size=100))
def test_signature_verification_only_raises_signature_error(timestamp, signature, body):
    try:
        signing.verify("k" * 40, timestamp, signature, body, max_age=300)
    except signing.SignatureError:
        return
    raise AssertionError("a random signature verified")
