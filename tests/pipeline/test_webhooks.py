"""The webhook enqueues record ids only, once per record, and refuses bad input without enqueuing."""

from __future__ import annotations

import time

import pytest

from tests.pipeline.conftest import SIGNING_SECRET
from tests.support.broker import queue_depth, take_messages
from tests.support.salesforce_messages import outbound_message, sf_id, signed_event

CANARY = {
    "FirstName__c": "Canaryfirstname",
    "LastName__c": "Canarylastname",
    "Phone__c": "(555) 987-0123",
    "BirthDate__c": "2011-11-11",
}


def post_om(client, body: bytes):
    return client.post(
        "/salesforce/outbound-message", data=body, content_type="text/xml; charset=utf-8"
    )


def test_outbound_message_is_acked_after_the_job_is_on_the_broker(client, services):
    record = sf_id(1)
    resp = post_om(client, outbound_message([(sf_id(1, "04l"), record)], fields=CANARY))
    assert resp.status_code == 200
    assert b"<Ack>true</Ack>" in resp.data
    messages = take_messages(services.SYNC_QUEUE)
    assert len(messages) == 1
    msg = messages[0]
    assert msg["headers"]["task"] == "tasks.sync_patient"
    assert msg["body"][0] == [record]
    for value in CANARY.values():  # the sObject's values never reach the broker
        assert value.encode() not in msg["raw"]


def test_duplicate_delivery_is_acked_without_a_second_job(client, services):
    body = outbound_message([(sf_id(2, "04l"), sf_id(2))])
    assert post_om(client, body).status_code == 200
    assert post_om(client, body).status_code == 200
    assert len(take_messages(services.SYNC_QUEUE)) == 1


def test_burst_for_one_record_coalesces_while_queued(client, services):
    record = sf_id(3)
    for n in range(50):
        assert (
            post_om(client, outbound_message([(sf_id(100 + n, "04l"), record)])).status_code == 200
        )
    assert len(take_messages(services.SYNC_QUEUE)) == 1


def test_one_message_with_many_notifications(client, services):
    pairs = [(sf_id(200 + n, "04l"), sf_id(200 + n)) for n in range(100)]
    assert post_om(client, outbound_message(pairs)).status_code == 200
    jobs = take_messages(services.SYNC_QUEUE)
    assert sorted(m["body"][0][0] for m in jobs) == sorted(r for _, r in pairs)


@pytest.mark.parametrize(
    "body, status",
    [
        (b"<not-xml", 400),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            400,
        ),
        (b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'/>", 400),
        (outbound_message([]), 400),
        (outbound_message([(sf_id(n, "04l"), sf_id(n)) for n in range(101)]), 400),
        (outbound_message([(sf_id(1, "04l"), "not-an-id")]), 400),
        (outbound_message([(sf_id(1, "04l"), sf_id(1))], org_id="00D000000000001EAA"), 403),
    ],
    ids=["malformed", "entity", "xxe", "no-body", "zero", "101", "bad-id", "unknown-org"],
)
def test_bad_outbound_messages_get_4xx_and_enqueue_nothing(client, services, body, status):
    resp = post_om(client, body)
    assert resp.status_code == status
    assert b"<Ack>true</Ack>" not in resp.data
    assert queue_depth(services.SYNC_QUEUE) == 0


def test_oversize_body_is_refused(client, services):
    resp = post_om(client, b"<x>" + b"a" * 2_000_000 + b"</x>")
    assert resp.status_code == 413
    assert queue_depth(services.SYNC_QUEUE) == 0


def test_signed_event_enqueues_and_answers_202(client, services):
    body, headers = signed_event([sf_id(5), sf_id(6)], secret=SIGNING_SECRET)
    resp = client.post("/salesforce/events", data=body, headers=headers)
    assert resp.status_code == 202
    assert [j["recordId"] for j in resp.json["jobs"]] == [sf_id(5), sf_id(6)]
    assert all(j["jobId"] for j in resp.json["jobs"])
    assert len(take_messages(services.SYNC_QUEUE)) == 2
    # The same event again (a replay inside the window) starts nothing.
    resp = client.post("/salesforce/events", data=body, headers=headers)
    assert resp.status_code == 202
    assert all(j["duplicate"] for j in resp.json["jobs"])
    assert queue_depth(services.SYNC_QUEUE) == 0


def _tamper(body, headers):
    return body.replace(b"a00", b"a01", 1), headers


def _stale(body, headers):
    return signed_event([sf_id(7)], secret=SIGNING_SECRET, timestamp=int(time.time()) - 3600)


def _wrong_secret(body, headers):
    return signed_event([sf_id(7)], secret="not-the-secret")


def _unsigned(body, headers):
    return body, {"Content-Type": "application/json"}


def _schema(body, headers):
    return signed_event(["bogus"], secret=SIGNING_SECRET)


def _malformed(body, headers):
    import time as _t

    from syncapp.web.signing import sign

    ts = str(int(_t.time()))
    raw = b"{not json"
    return raw, {
        **headers,
        "X-EmrSync-Timestamp": ts,
        "X-EmrSync-Signature": sign(SIGNING_SECRET, ts, raw),
    }


def _other_org(body, headers):
    return signed_event([sf_id(7)], secret=SIGNING_SECRET, org_id="00D000000000001EAA")


@pytest.mark.parametrize(
    "mutate, status",
    [
        (_tamper, 401),
        (_stale, 401),
        (_wrong_secret, 401),
        (_unsigned, 401),
        (_schema, 422),
        (_malformed, 400),
        (_other_org, 403),
    ],
    ids=["tampered", "stale", "wrong-secret", "unsigned", "schema", "malformed", "unknown-org"],
)
def test_bad_events_get_4xx_and_enqueue_nothing(client, services, mutate, status):
    body, headers = mutate(*signed_event([sf_id(7)], secret=SIGNING_SECRET))
    resp = client.post("/salesforce/events", data=body, headers=headers)
    assert resp.status_code == status
    assert queue_depth(services.SYNC_QUEUE) == 0


def test_admin_pages_need_the_admin_secret(monkeypatch):
    from syncapp.web.app import create_app

    monkeypatch.setenv("ADMIN_BASIC_AUTH", "admin:s3cret")
    monkeypatch.setenv("SF_CLIENT_ID", "cid")
    client = create_app().test_client()
    assert client.get("/oauth/status").status_code == 401
    assert client.get("/oauth/status", auth=("admin", "wrong")).status_code == 401
    assert client.get("/oauth/status", auth=("admin", "s3cret")).status_code == 200


def test_admin_pages_are_local_only_without_a_secret(monkeypatch):
    from syncapp.web.app import create_app

    client = create_app().test_client()
    assert client.get("/oauth/status").status_code == 200  # the test client is 127.0.0.1
    remote = client.get("/oauth/status", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
