"""Fast, in-process versions of the hostile tables (parsers called directly) and exact
tests of log formatting, error texts and intake markers, so that ``make mutants`` runs
unit tests only."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime

import pytest

from syncapp import intake
from syncapp.errors import SyncError
from syncapp.kv import SQLiteStore
from syncapp.web import events, inbound, soap
from tests.hostile.cases import BAD_ORG_IDS, BAD_RECORD_IDS
from tests.hostile.envelopes import PATIENT, PATIENT_2, envelope, notification
from tests.hostile.test_events_hostile import BODIES
from tests.hostile.test_soap_hostile import XML_ATTACKS
from tests.support.logs import json_log


@pytest.mark.parametrize("body", XML_ATTACKS.values(), ids=XML_ATTACKS.keys())
def test_soap_parser_refuses_each_attack(body):
    try:
        message = soap.parse_outbound_message(body, record_prefix="a00")
    except soap.SoapInputError:
        return
    # Structurally valid but not ours: the endpoint refuses the sObject type.
    assert {n.object_type for n in message.notifications} != {"Patient__c"}


@pytest.mark.parametrize("bad", BAD_RECORD_IDS.values(), ids=BAD_RECORD_IDS.keys())
def test_soap_parser_refuses_bad_record_ids(bad):
    from xml.sax.saxutils import escape

    with pytest.raises(soap.SoapInputError):
        soap.parse_outbound_message(envelope(notification(rid=escape(bad))), record_prefix="a00")


@pytest.mark.parametrize("org", BAD_ORG_IDS.values(), ids=BAD_ORG_IDS.keys())
def test_soap_parser_refuses_bad_org_ids(org):
    with pytest.raises(soap.SoapInputError):
        soap.parse_outbound_message(envelope(org=org))


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_event_parser_refuses_each_body(body):
    with pytest.raises(events.EventInputError):
        events.parse_event(body, record_prefix="a00")


def test_sobject_type_is_the_local_part_after_the_first_colon():
    def kind(xsi_type):
        body = envelope(notification(xsi_type=xsi_type))
        return soap.parse_outbound_message(body).notifications[0].object_type

    assert kind("sf:Patient__c") == "Patient__c"
    assert kind("x:sf:Patient__c") == "sf:Patient__c"
    assert kind(None) == ""


@pytest.mark.parametrize(
    "body, depth",
    [(b"[]", 1), (b"[[],[[]]]", 3), (b"[[]][[[]]]", 3), (b'["[[[", {"a": "]]"}]', 2), (b"1", 0)],
)
def test_nesting_depth(body, depth):
    assert events.nesting_depth(body) == depth


def test_error_texts():
    assert str(events.EventInputError(400, "malformed JSON", "x")) == "malformed JSON"
    assert str(inbound.InboundError(413, "too big")) == "too big"
    err = SyncError(
        "portal refused", record_id=PATIENT, page="chart", step="save", fields=["a", "b"]
    )
    assert str(err) == "portal refused (fields: a, b) [page=chart, step=save]"
    assert err.args == (str(err),)
    assert (err.record_id, err.page, err.step, err.fields) == (PATIENT, "chart", "save", ["a", "b"])
    assert str(SyncError("plain")) == "plain" and SyncError("plain").fields == []


def _line(emit) -> dict:
    return json.loads(json_log(emit, "tests.mutation.logs"))


def test_log_line_shape():
    when = datetime(2026, 1, 2, 3, 4, 5)
    line = _line(lambda log: log.warning("hello %s", "x", extra={"count": when}))
    assert set(line) == {"ts", "level", "logger", "msg", "count"}
    assert (
        line["ts"].endswith("+00:00")
        and abs(datetime.fromisoformat(line["ts"]).timestamp() - time.time()) < 60
    )
    assert (line["level"], line["logger"], line["msg"]) == (
        "WARNING",
        "tests.mutation.logs",
        "hello x",
    )
    assert line["count"] == str(when)


def test_logged_errors_keep_type_and_our_own_message_only():
    def emit(log):
        for exc in (ValueError("secret value"), SyncError("our text", step="s")):
            try:
                raise exc
            except Exception:
                log.exception("failed")

    first, second = (json.loads(x) for x in json_log(emit, "tests.mutation.errors").splitlines())
    assert first["error"] == {"type": "ValueError", "message": "ValueError (details withheld)"}
    assert second["error"] == {"type": "SyncError", "message": "our text [step=s]"}


def test_seen_markers_expire_after_seen_ttl(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    before = time.time()
    intake.accept([("d1", PATIENT)], store=store, enqueue=lambda r, j: None)
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        [(value, expires)] = db.execute(
            "SELECT value, expires_at FROM kv WHERE key=?", (intake.seen_key("d1"),)
        ).fetchall()
    assert bytes(value) == b"1"
    assert before + intake.SEEN_TTL - 5 <= expires <= time.time() + intake.SEEN_TTL + 5


def test_a_coalesced_record_does_not_stop_the_rest_of_the_message(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    calls = []
    intake.accept([("d1", PATIENT)], store=store, enqueue=lambda r, j: calls.append(r))
    intake.accept(
        [("d2", PATIENT), ("d3", PATIENT_2)], store=store, enqueue=lambda r, j: calls.append(r)
    )
    assert calls == [PATIENT, PATIENT_2]
