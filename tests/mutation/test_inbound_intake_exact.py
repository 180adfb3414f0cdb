"""Exact behaviour of the body reader, the URL secret and intake (dedupe, coalescing, rollback)."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from syncapp import intake
from syncapp.errors import EnqueueFailed
from syncapp.kv import SQLiteStore
from syncapp.web import inbound
from tests.hostile.envelopes import PATIENT, PATIENT_2

APP = Flask(__name__)


class _Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("a declared oversize body must not be read")

    readinto = read


def _read(body: bytes, limit: int, *, declared: bool = True) -> bytes:
    environ = {"wsgi.input_terminated": True} if not declared else {}
    with APP.test_request_context(
        "/",
        method="POST",
        input_stream=io.BytesIO(body),
        environ_overrides=environ,
        headers={} if declared else {"Transfer-Encoding": "chunked"},
        content_length=len(body) if declared else None,
    ):
        return inbound.read_body(limit)


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_a_body_of_exactly_the_limit_is_read_whole(declared):
    body = bytes(range(256)) * 1000  # 256 000 bytes, several chunks
    assert _read(body, len(body), declared=declared) == body


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
def test_one_byte_over_the_limit_is_413(declared):
    body = b"x" * 200_001
    with pytest.raises(inbound.InboundError) as info:
        _read(body, 200_000, declared=declared)
    assert (info.value.status, info.value.reason) == (413, "body larger than 200000 bytes")


def test_a_declared_oversize_body_is_refused_without_reading_it():
    with (
        APP.test_request_context(
            "/",
            method="POST",
            environ_overrides={"CONTENT_LENGTH": "10", "wsgi.input": _Unreadable()},
        ),
        pytest.raises(inbound.InboundError) as info,
    ):
        inbound.read_body(9)
    assert info.value.status == 413


def test_content_type_error():
    with (
        APP.test_request_context("/", method="POST", content_type="text/plain"),
        pytest.raises(inbound.InboundError) as info,
    ):
        inbound.require_content_type("text/xml", "application/soap+xml")
    assert (info.value.status, info.value.reason) == (
        415,
        "Content-Type must be text/xml or application/soap+xml",
    )


@pytest.mark.parametrize(
    "given, expected, required, ok",
    [
        ("s" * 40, "s" * 40, True, True),
        (None, "", False, True),  # development, no secret: the bare path
        ("x", "", False, False),  # no secret configured: a path segment is a 404
        (None, "", True, False),  # production without a secret: nothing
        (None, "s" * 40, False, False),
        ("s" * 39, "s" * 40, False, False),
        ("é" * 40, "s" * 40, False, False),
    ],
)
def test_path_secret(given, expected, required, ok):
    if ok:
        inbound.check_path_secret(given, expected, required=required)
        return
    with pytest.raises(inbound.InboundError) as info:
        inbound.check_path_secret(given, expected, required=required)
    assert (info.value.status, info.value.reason) == (404, "not found")


# --- intake -------------------------------------------------------------------------------
@pytest.fixture
def sqlite(tmp_path):
    return SQLiteStore(tmp_path / "store.sqlite")


def test_jobs_are_published_with_their_record_and_a_fresh_job_id(sqlite):
    calls = []
    outcomes = intake.accept(
        [("d1", PATIENT), ("d2", PATIENT_2)],
        store=sqlite,
        enqueue=lambda record_id, job_id: calls.append((record_id, job_id)),
    )
    assert [c[0] for c in calls] == [PATIENT, PATIENT_2]
    assert len({c[1] for c in calls}) == 2 and all(len(c[1]) == 36 for c in calls)
    assert [(o.record_id, o.job_id) for o in outcomes] == calls
    assert sqlite.get(intake.queued_key(PATIENT)) == calls[0][1].encode()


def test_a_duplicate_then_a_new_record_in_one_request(sqlite):
    calls = []
    intake.accept([("d1", PATIENT)], store=sqlite, enqueue=lambda r, j: calls.append(r))
    outcomes = intake.accept(
        [("d1", PATIENT), ("d3", PATIENT_2)], store=sqlite, enqueue=lambda r, j: calls.append(r)
    )
    assert calls == [PATIENT, PATIENT_2]
    assert (outcomes[0].record_id, outcomes[0].duplicate) == (PATIENT, True)
    assert (outcomes[1].record_id, outcomes[1].duplicate) == (PATIENT_2, False)


def test_a_coalesced_notification_names_its_record(sqlite):
    intake.accept([("d1", PATIENT)], store=sqlite, enqueue=lambda r, j: None)
    [o] = intake.accept([("d2", PATIENT)], store=sqlite, enqueue=lambda r, j: None)
    assert (o.record_id, o.coalesced, o.job_id, o.duplicate) == (PATIENT, True, None, False)


def test_no_delivery_id_means_no_dedupe_marker(sqlite):
    calls = []
    intake.accept([(None, PATIENT)], store=sqlite, enqueue=lambda r, j: calls.append(r))
    sqlite.delete(intake.queued_key(PATIENT))
    intake.accept([(None, PATIENT)], store=sqlite, enqueue=lambda r, j: calls.append(r))
    assert calls == [PATIENT, PATIENT]


def test_a_failed_publish_rolls_back_every_marker_of_the_request(sqlite):
    def fail_second(record_id, job_id):
        if record_id == PATIENT_2:
            raise ConnectionError("broker gone")

    with pytest.raises(EnqueueFailed) as info:
        intake.accept([("d1", PATIENT), ("d2", PATIENT_2)], store=sqlite, enqueue=fail_second)
    assert str(info.value) == "could not enqueue (ConnectionError) [step=enqueue]"
    assert info.value.step == "enqueue"
    for key in (
        intake.seen_key("d1"),
        intake.seen_key("d2"),
        intake.queued_key(PATIENT),
        intake.queued_key(PATIENT_2),
    ):
        assert sqlite.get(key) is None, key


def test_enqueue_failed_passes_through_unchanged(sqlite):
    original = EnqueueFailed("broker did not confirm", step="publish")

    def fail(record_id, job_id):
        raise original

    with pytest.raises(EnqueueFailed) as info:
        intake.accept([("d1", PATIENT)], store=sqlite, enqueue=fail)
    assert info.value is original


def test_werkzeugs_own_streamed_limit_is_a_413_too():
    app = Flask("limited")
    app.config["MAX_CONTENT_LENGTH"] = 10
    with (
        app.test_request_context(
            "/",
            method="POST",
            input_stream=io.BytesIO(b"x" * 50),
            environ_overrides={"wsgi.input_terminated": True},
        ),
        pytest.raises(inbound.InboundError) as info,
    ):
        inbound.read_body(100)
    assert (info.value.status, info.value.reason) == (413, "body larger than 100 bytes")
    assert str(info.value) == "body larger than 100 bytes"


def test_a_body_shorter_than_declared_is_400():
    with (
        APP.test_request_context(
            "/",
            method="POST",
            environ_overrides={"CONTENT_LENGTH": "100", "wsgi.input": io.BytesIO(b"x" * 10)},
        ),
        pytest.raises(inbound.InboundError) as info,
    ):
        inbound.read_body(1000)
    assert (info.value.status, info.value.reason) == (400, "incomplete body")
