"""Tests that bite: each fails when the promise it names is broken on purpose.

The issue listed promises whose removal no test short of e2e noticed: exception
text kept out of logs, the log allow-list, HTTP 429 as retryable, dedupe (hidden
behind coalescing), XXE protection (probes that were not SOAP envelopes).
"""

from __future__ import annotations

import json

import pytest
import requests

from syncapp import intake
from syncapp.errors import SalesforceRejected, SalesforceUnavailable
from syncapp.web import soap
from tests.hostile.envelopes import PATIENT, envelope, notification
from tests.support.logs import json_log

CANARY = "Qwvcanary5519"


def _logged(emit) -> str:
    return json_log(emit, "tests.hostile.promises")


def test_foreign_exception_text_is_not_logged():
    def emit(logger):
        try:
            raise ValueError(f"patient {CANARY} is invalid")
        except ValueError:
            logger.exception("step failed", extra={"step": "validate"})

    out = _logged(emit)
    assert CANARY not in out
    assert json.loads(out)["error"]["type"] == "ValueError"


def test_only_allow_listed_extra_keys_are_logged():
    out = _logged(
        lambda logger: logger.info(
            "x", extra={"bundle": {"last_name": CANARY}, "phone": CANARY, "record_id": PATIENT}
        )
    )
    line = json.loads(out)
    assert CANARY not in out and line["record_id"] == PATIENT
    assert "bundle" not in line and "phone" not in line


def _response(status: int, body: list | dict) -> requests.Response:
    """A real ``requests.Response`` as Salesforce would send it (no server involved)."""
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode()
    resp.headers["Content-Type"] = "application/json"
    return resp


@pytest.mark.parametrize(
    "status, body",
    [
        (429, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit"}]),
        (429, {}),
        (503, {}),
        (400, [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "x"}]),
    ],
    ids=["429-limit", "429-bare", "503", "lock-row"],
)
def test_rate_limits_and_outages_are_retryable(status, body):
    from syncapp.salesforce import SalesforceClient

    with pytest.raises(SalesforceUnavailable) as info:
        SalesforceClient._raise_for_status(_response(status, body), "load", PATIENT)
    assert info.value.retryable


def test_a_bad_request_is_permanent():
    from syncapp.salesforce import SalesforceClient

    body = [{"errorCode": "MALFORMED_ID", "message": "x"}]
    with pytest.raises(SalesforceRejected) as info:
        SalesforceClient._raise_for_status(_response(400, body), "load", PATIENT)
    assert not info.value.retryable


def test_a_redelivered_notification_is_a_duplicate_even_after_its_job_started(store):
    """Coalescing cannot hide dedupe here: the job starts (clears its queued marker) at once."""
    published = []

    def publish_and_start(record_id: str, job_id: str) -> str:
        published.append(job_id)
        store.delete(intake.queued_key(record_id))  # what the worker does when the job starts
        return job_id

    [first] = intake.accept(
        [("org:n1:" + PATIENT, PATIENT)], store=store, enqueue=publish_and_start
    )
    [again] = intake.accept(
        [("org:n1:" + PATIENT, PATIENT)], store=store, enqueue=publish_and_start
    )
    assert first.job_id and again.duplicate and len(published) == 1


def test_an_entity_inside_a_genuine_envelope_is_refused():
    """With DTDs/entities allowed, this internal entity would expand into a valid id."""
    body = envelope(notification(rid="&pid;"), doctype=f'<!DOCTYPE e [<!ENTITY pid "{PATIENT}">]>')
    with pytest.raises(soap.SoapInputError, match="forbidden XML construct"):
        soap.parse_outbound_message(body)
