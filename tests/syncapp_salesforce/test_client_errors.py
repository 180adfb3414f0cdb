"""How Salesforce answers become typed errors (no network: a scripted HTTP session)."""

from __future__ import annotations

import json

import pytest
import requests

from syncapp.errors import SalesforceRejected, SalesforceUnavailable
from syncapp.salesforce import SalesforceClient
from syncapp.settings import Settings
from syncapp.tokens import Token

RECORD = "a00000000000001AAA"


def _response(status: int, body: object) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = json.dumps(body).encode()
    r.headers["Content-Type"] = "application/json"
    return r


class ScriptedHttp:
    """Answers requests from a list, recording the bearer token each one carried."""

    def __init__(self, *answers: requests.Response | Exception) -> None:
        self.answers = list(answers)
        self.bearers: list[str] = []

    def request(self, method, url, headers=None, **kwargs):
        self.bearers.append(headers["Authorization"].removeprefix("Bearer "))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTokens:
    def __init__(self) -> None:
        self.token = Token(access_token="old", instance_url="https://x.my.salesforce.com")
        self.refreshes = 0

    def current(self) -> Token:
        return self.token

    def refresh(self, stale_access_token):
        self.refreshes += 1
        self.token = Token(
            access_token=f"new{self.refreshes}", instance_url=self.token.instance_url
        )
        return self.token


def _client(*answers):
    http = ScriptedHttp(*answers)
    tokens = FakeTokens()
    return SalesforceClient(Settings(), tokens, http=http), http, tokens  # type: ignore[arg-type]


EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_a_401_is_refreshed_once_and_retried():
    client, http, tokens = _client(
        _response(401, EXPIRED), _response(200, {"totalSize": 0, "done": True, "records": []})
    )
    with pytest.raises(SalesforceRejected, match="record not found"):
        client.load_bundle(RECORD)
    assert http.bearers == ["old", "new1"] and tokens.refreshes == 1


def test_a_second_401_after_refresh_is_retryable():
    client, _, tokens = _client(_response(401, EXPIRED), _response(401, EXPIRED))
    with pytest.raises(SalesforceUnavailable):
        client.post_callback(RECORD, "Synced")
    assert tokens.refreshes == 1


@pytest.mark.parametrize(
    "answer",
    [
        _response(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]),
        _response(500, [{"errorCode": "APEX_ERROR", "message": "boom"}]),
        _response(403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests"}]),
        requests.ConnectionError("refused"),
        requests.Timeout("slow"),
    ],
)
def test_outages_and_rate_limits_are_retryable(answer):
    client, _, _ = _client(answer)
    with pytest.raises(SalesforceUnavailable) as info:
        client.load_bundle(RECORD)
    assert info.value.record_id == RECORD


def test_other_4xx_carry_the_error_code_and_field_names_but_not_the_message():
    body = [
        {
            "errorCode": "INVALID_FIELD",
            "message": "value 'Jane Doe' is bad for FirstName__c",
            "fields": ["FirstName__c"],
        }
    ]
    client, _, _ = _client(_response(400, body))
    with pytest.raises(SalesforceRejected) as info:
        client.post_callback(RECORD, "Synced", emr_patient_id="MRN-1")
    assert "INVALID_FIELD" in str(info.value) and info.value.fields == ["FirstName__c"]
    assert "Jane" not in str(info.value)


def test_token_repr_hides_secrets():
    token = Token(access_token="SECRET-A", instance_url="https://x", refresh_token="SECRET-R")
    assert "SECRET" not in repr(token) and "SECRET" not in str(token)


def test_token_knows_its_org_and_issue_time():
    token = Token(
        access_token="a",
        instance_url="https://x",
        id="https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA",
        issued_at="1764115200000",
    )
    assert token.org_id == "00D000000000001EAA"
    assert token.issued_at_iso == "2025-11-26T00:00:00+00:00"


def test_our_apex_resource_error_body_is_kept_bounded():
    body = {"success": False, "error": 'status must be "Synced" or "Failed".'}
    client, _, _ = _client(_response(400, body))
    with pytest.raises(SalesforceRejected, match="APEX_ERROR: status must be"):
        client.post_callback(RECORD, "Done")


def test_long_child_lists_follow_next_records_url():
    first = {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "Id": RECORD,
                "Case_Notes__r": {
                    "totalSize": 2,
                    "done": False,
                    "nextRecordsUrl": "/services/data/v62.0/query/01gXX-1",
                    "records": [{"Id": "a03000000000001AAA", "Body__c": "one"}],
                },
            }
        ],
    }
    rest = {
        "totalSize": 2,
        "done": True,
        "records": [{"Id": "a03000000000002AAA", "Body__c": "two"}],
    }
    client, http, _ = _client(_response(200, first), _response(200, rest))
    notes = client.load_bundle(RECORD)["notes"]
    assert [n["text"] for n in notes] == ["one", "two"]
    assert http.bearers == ["old", "old"]
