"""The Demo EMR through plain HTTP: auth, lock, expiry, validation, faults, inspection API."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import requests

from tests.support.servers import wait_until

from .conftest import PortalClient


def _writes(c: PortalClient, mrn: str) -> list[tuple[str, str]]:
    return [(w["section"], w["field"]) for w in c.sandbox("writes") if w["emr_patient_id"] == mrn]


# --- login, CSRF, sessions ---------------------------------------------------------------


def test_pages_need_login_and_login_needs_csrf(anon: PortalClient):
    resp = anon.get(anon.url("/patients/new"), allow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=%2Fpatients%2Fnew"
    assert anon.get(anon.url("/api/patients/search?last=x")).status_code == 401

    anon.login_token()  # gets a session cookie, but we post a forged token
    forged = {"csrf_token": "forged", "username": "frontdesk", "password": "demo-password"}
    resp = anon.post(anon.url("/login"), data=forged, allow_redirects=False)
    assert resp.status_code == 400
    assert 'data-page="error"' in resp.text

    bare = requests.post(anon.url("/login"), data=forged, allow_redirects=False, timeout=5)
    assert bare.status_code == 400


def test_wrong_password_rerenders_login_with_error(anon: PortalClient):
    resp = anon.login(password="wrong")
    assert resp.status_code == 200
    assert 'id="login-error"' in resp.text and "Invalid username or password" in resp.text
    assert 'data-page="login"' in resp.text


def test_login_redirects_to_safe_next_and_rotates_session(anon: PortalClient):
    anon.login_token()
    before = anon.cookies.get("emr_session")
    resp = anon.login(next_path="/patients/new")
    assert resp.status_code == 302 and resp.headers["Location"] == "/patients/new"
    assert anon.cookies.get("emr_session") not in (None, before)

    other = PortalClient(anon.base)
    resp = other.login(next_path="//evil.example/steal")
    assert resp.headers["Location"] == "/patients"
    page = other.get(other.url("/patients"))
    assert 'data-page="search"' in page.text and 'id="patient-search"' in page.text


def test_api_writes_need_the_csrf_header(client: PortalClient):
    body = {"first_name": "A", "last_name": "B", "date_of_birth": "01/01/2000"}
    resp = client.post(client.url("/api/patients"), json=body)
    assert resp.status_code == 400 and resp.json() == {"error": "csrf"}
    assert client.sandbox("patients") == []


def test_logout_ends_the_session(client: PortalClient):
    resp = client.post(
        client.url("/logout"), data={"csrf_token": client.csrf}, allow_redirects=False
    )
    assert resp.status_code == 302
    assert client.api("GET", "/api/patients/search?last=x").status_code == 401


def test_session_expiry_redirects_pages_and_401s_the_api(client: PortalClient):
    client.sandbox("faults", "POST", {"session_seconds": 0})
    resp = client.get(client.url("/patients?x=1"), allow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=%2Fpatients%3Fx%3D1&expired=1"
    resp = client.api("GET", "/api/patients/search?last=x")
    assert resp.status_code == 401 and resp.json() == {"error": "session_expired"}
    notice = client.get(client.url("/login?expired=1"))
    assert 'id="login-notice"' in notice.text and "Your session expired" in notice.text

    client.sandbox("faults", "POST", {"session_seconds": 3600})
    assert client.login().status_code == 302
    assert client.api("GET", "/api/patients/search?last=x").status_code == 200


# --- idle lock -------------------------------------------------------------------------


def test_idle_lock_blocks_writes_until_unlocked(client: PortalClient):
    idle = 0.6
    client.sandbox("faults", "POST", {"idle_lock_seconds": idle})

    def locked() -> bool:
        # A successful write counts as activity; a 423 does not. Polling slower than
        # the idle timeout therefore sees the lock on the second try.
        return client.api("POST", "/api/whats-new/dismiss", {}).status_code == 423

    wait_until(locked, timeout=10, interval=idle + 0.2, what="the idle lock")
    assert client.api("POST", "/api/whats-new/dismiss", {}).json() == {"error": "locked"}
    assert client.api("GET", "/api/patients/search?last=x").status_code == 200  # reads work
    page = client.get(client.url("/patients"))
    assert 'id="lock-screen" class="modal modal-lock open"' in page.text
    assert client.api("POST", "/api/whats-new/dismiss", {}).status_code == 423  # still locked

    wrong = client.api("POST", "/api/unlock", {"password": "nope"})
    assert wrong.status_code == 403
    assert client.api("POST", "/api/unlock", {"password": "demo-password"}).status_code == 200
    assert client.api("POST", "/api/whats-new/dismiss", {}).status_code == 200
    assert 'class="modal modal-lock"' in client.get(client.url("/patients")).text


# --- validation and the write log --------------------------------------------------------


def test_validation_is_422_all_or_nothing_and_never_echoes_values(client: PortalClient):
    canaries = {
        "first_name": "CanaryFirst",
        "last_name": "",
        "date_of_birth": "12/31/2999",
        "email": "canary-not-an-email",
        "state": "Q9",
        "postal_code": "CANARY",
    }
    resp = client.api("POST", "/api/patients", canaries)
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert set(errors) == {"last_name", "date_of_birth", "email", "state", "postal_code"}
    assert errors["date_of_birth"] == "Date of birth cannot be in the future"
    for value in ("CanaryFirst", "2999", "canary", "Q9", "CANARY"):
        assert value not in resp.text
    assert client.sandbox("patients") == [] and client.sandbox("writes") == []

    mrn = client.create_patient()
    resp = client.api(
        "PATCH", f"/api/patients/{mrn}/demographics", {"phone": "(555) 201-3344", "dob": "x"}
    )
    assert resp.status_code == 422 and "dob" in resp.json()["errors"]
    assert client.sandbox("patients")[0]["patient"]["phone"] is None  # nothing saved
    bad_dates = ["1899-12-31", "01/01/1899", "02/30/2015", "3/4/2015"]
    for bad in bad_dates:
        resp = client.api("PATCH", f"/api/patients/{mrn}/demographics", {"date_of_birth": bad})
        assert resp.status_code == 422, bad
        assert bad not in resp.text
    resp = client.api(
        "PUT", f"/api/patients/{mrn}/insurance/primary", {"payer": "Aetna", "member_id": "AB-1!"}
    )
    assert resp.status_code == 422 and "AB-1!" not in resp.text
    assert set(resp.json()["errors"]) == {"member_id"}


def test_writes_log_records_only_the_submitted_fields(client: PortalClient):
    mrn = client.create_patient(sex="female")
    assert re.fullmatch(r"MRN-\d{6,}", mrn)
    assert _writes(client, mrn) == [
        ("demographics", f) for f in ("first_name", "last_name", "date_of_birth", "sex")
    ]
    cutoff = datetime.now(UTC).isoformat()
    resp = client.api("PATCH", f"/api/patients/{mrn}/demographics", {"phone": "(555) 201-3344"})
    assert resp.status_code == 200
    assert resp.json()["data"]["phone"] == "(555) 201-3344"
    since = requests.get(client.url("/__sandbox__/writes"), params={"since": cutoff}, timeout=5)
    assert [(w["section"], w["field"]) for w in since.json()] == [("demographics", "phone")]

    resp = client.api(
        "POST",
        f"/api/patients/{mrn}/guardians",
        {"first_name": "Ann", "last_name": "Lee", "relationship": "mother", "is_primary": True},
    )
    assert resp.status_code == 201
    first_id = resp.json()["data"][0]["id"]
    resp = client.api(
        "POST",
        f"/api/patients/{mrn}/guardians",
        {"first_name": "Bo", "last_name": "Lee", "relationship": "father", "is_primary": True},
    )
    rows = {g["first_name"]: g for g in resp.json()["data"]}
    assert rows["Bo"]["is_primary"] and not rows["Ann"]["is_primary"]  # one primary only
    assert client.api("DELETE", f"/api/patients/{mrn}/guardians/{first_id}").status_code == 200
    assert ("guardians", "*") in _writes(client, mrn)


def test_new_patient_page_and_chart_markup(client: PortalClient):
    page = client.get(client.url("/patients/new")).text
    assert 'data-page="new-patient"' in page and 'id="demographics-form"' in page
    mrn = client.create_patient()
    chart = client.get(client.url(f"/patients/{mrn}")).text
    assert f'<span id="chart-mrn">{mrn}</span>' in chart
    assert 'data-tab="notes"' in chart and 'data-state="loading"' in chart
    tab = client.api("GET", f"/api/patients/{mrn}/demographics").json()
    assert 'class="dropdown" data-name="sex"' in tab["html"]
    assert 'class="date-mask" placeholder="MM/DD/YYYY"' in tab["html"]
    assert tab["data"]["date_of_birth"] == "02/03/2015"
    missing = client.get(client.url("/patients/MRN-999999"))
    assert missing.status_code == 404 and 'data-page="not-found"' in missing.text
    assert client.api("GET", "/api/patients/MRN-999999/notes").status_code == 404


def test_search_is_case_insensitive_exact_match(client: PortalClient):
    mrn = client.create_patient()
    client.create_patient(first_name="Liam", last_name="St. James", date_of_birth="11/23/2019")
    hits = client.api("GET", "/api/patients/search?last=o'brien-núñez&first=ZOË").json()["results"]
    assert hits == [
        {"mrn": mrn, "name": "O'Brien-Núñez, Zoë", "dob": "02/03/2015", "url": f"/patients/{mrn}"}
    ]
    assert client.api("GET", "/api/patients/search?last=O'Brien").json()["results"] == []
    by_dob = client.api("GET", "/api/patients/search?dob=11/23/2019").json()["results"]
    assert [h["name"] for h in by_dob] == ["St. James, Liam"]
    assert client.api("GET", "/api/patients/search?dob=2019-11-23").status_code == 422


# --- faults, stats, inspection API ------------------------------------------------------


def test_faults_endpoint_validates_and_returns_the_full_set(anon: PortalClient):
    current = anon.sandbox("faults")
    assert set(current) == {
        "latency_ms",
        "jitter_ms",
        "error_rate",
        "idle_lock_seconds",
        "session_seconds",
        "whats_new_rate",
        "static_latency",
        "drift",  # renames a selector, for the selector-drift check
    }
    updated = anon.sandbox("faults", "POST", {"jitter_ms": 5})
    assert updated == {**current, "jitter_ms": 5}
    for bad in ({"error_rate": 2}, {"bogus": 1}, {"latency_ms": "slow"}, {"latency_ms": -1}):
        resp = requests.post(anon.url("/__sandbox__/faults"), json=bad, timeout=5)
        assert resp.status_code == 400, bad
    assert anon.sandbox("faults") == updated


def test_error_rate_gives_500s_but_never_on_sandbox_or_static(client: PortalClient):
    before = client.sandbox("stats")
    client.sandbox("faults", "POST", {"error_rate": 1.0})
    page = client.get(client.url("/patients"))
    assert page.status_code == 500
    assert 'data-page="error"' in page.text and 'id="error-title"' in page.text
    api = client.api("GET", "/api/patients/search?last=x")
    assert api.status_code == 500 and api.json() == {"error": "internal"}
    assert client.get(client.url("/static/portal.js")).status_code == 200
    assert client.get(client.url("/__sandbox__/patients")).status_code == 200
    after = client.sandbox("stats")
    assert after["errors_injected"] - before["errors_injected"] == 2
    assert after["requests"] - before["requests"] == 2

    client.sandbox("faults", "POST", {"error_rate": 0.5})
    codes = {client.api("GET", "/api/patients/search?last=x").status_code for _ in range(40)}
    assert codes == {200, 500}


def test_latency_applies_to_ui_and_api_only(client: PortalClient):
    client.sandbox("faults", "POST", {"latency_ms": 1000})
    t0 = time.monotonic()
    client.api("GET", "/api/patients/search?last=x")
    assert time.monotonic() - t0 >= 1.0
    t0 = time.monotonic()
    client.sandbox("stats")
    assert time.monotonic() - t0 < 1.0
    t0 = time.monotonic()
    assert client.get(client.url("/static/portal.js")).status_code == 200
    assert time.monotonic() - t0 < 1.0  # static files are exempt by default


def test_static_latency_knob_slows_static_files_only_when_on(client: PortalClient):
    client.sandbox("faults", "POST", {"latency_ms": 1000, "static_latency": 1})
    t0 = time.monotonic()
    assert client.get(client.url("/static/portal.js")).status_code == 200
    assert time.monotonic() - t0 >= 1.0
    t0 = time.monotonic()
    client.sandbox("stats")
    assert time.monotonic() - t0 < 1.0  # the inspection API never waits


def test_request_log_kinds_statuses_and_times_without_query_strings(client: PortalClient):
    since = time.time()
    client.sandbox("faults", "POST", {"latency_ms": 50})
    client.get(client.url("/patients"))
    client.api("GET", "/api/patients/search?last=Secret")
    first = client.get(client.url("/static/portal.js"))
    again = client.get(
        client.url("/static/portal.js"), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    rows = client.sandbox(f"requests?since={since}")
    assert [(r["method"], r["path"], r["kind"], r["status"]) for r in rows] == [
        ("GET", "/patients", "document", 200),
        ("GET", "/api/patients/search", "xhr", 200),
        ("GET", "/static/portal.js", "static", 200),
        ("GET", "/static/portal.js", "static", 304),
    ]
    assert all(r["start"] >= since and r["end"] >= r["start"] for r in rows)
    assert rows[0]["end"] - rows[0]["start"] >= 0.05  # the injected latency is portal time
    assert "Secret" not in json.dumps(rows)
    later = client.sandbox(f"requests?since={rows[-1]['start']}")
    assert len(later) == 1


def test_whats_new_modal_shows_until_dismissed(anon: PortalClient):
    anon.sandbox("faults", "POST", {"whats_new_rate": 1.0})
    logins = anon.sandbox("stats")["logins"]
    anon.login()
    assert anon.sandbox("stats")["logins"] == logins + 1
    assert 'id="whats-new" class="modal open"' in anon.get(anon.url("/patients")).text
    assert 'id="whats-new" class="modal open"' in anon.get(anon.url("/patients/new")).text
    assert anon.api("POST", "/api/whats-new/dismiss", {}).status_code == 200
    assert 'id="whats-new" class="modal"' in anon.get(anon.url("/patients")).text


def test_inspection_api_reports_canonical_bundles_and_reset_empties(client: PortalClient):
    mrn = client.create_patient(
        middle_name="Anne-Marie", sex="female", state="or", postal_code="97214", email=""
    )
    base = f"/api/patients/{mrn}"
    guardian = {"first_name": "Mairéad", "last_name": "O'Brien", "relationship": "mother"}
    assert client.api("POST", f"{base}/guardians", guardian).status_code == 201
    coverage = {
        "payer": "Blue Cross Blue Shield",
        "member_id": "XJH445102938",
        "subscriber_relationship": "parent",
        "effective_date": "01/01/2024",
    }
    assert client.api("PUT", f"{base}/insurance/primary", coverage).status_code == 200
    assert client.api("PUT", f"{base}/insurance/secondary", {"member_id": "x"}).status_code == 422
    note = {"date": "03/10/2025", "author": "Dr. Raman", "text": "Line 1\nLine 2"}
    assert client.api("POST", f"{base}/notes", {**note, "reference": ""}).status_code == 201
    ref = "a03000000000001AAA"
    assert client.api("POST", f"{base}/notes", {**note, "reference": ref}).status_code == 201

    [chart] = client.sandbox("patients")
    assert chart == {
        "salesforce_id": None,
        "emr_patient_id": mrn,
        "patient": {
            "first_name": "Zoë",
            "middle_name": "Anne-Marie",
            "last_name": "O'Brien-Núñez",
            "date_of_birth": "2015-02-03",
            "sex": "female",
            "phone": None,
            "email": None,
            "address": {"street": None, "city": None, "state": "OR", "postal_code": "97214"},
        },
        "guardians": [
            {
                "salesforce_id": None,
                "first_name": "Mairéad",
                "last_name": "O'Brien",
                "relationship": "mother",
                "phone": None,
                "email": None,
                "is_primary": False,
            }
        ],
        "insurance": [
            {
                "salesforce_id": None,
                "rank": "primary",
                "payer": "Blue Cross Blue Shield",
                "member_id": "XJH445102938",
                "group_number": None,
                "subscriber_name": None,
                "subscriber_relationship": "parent",
                "effective_date": "2024-01-01",
            }
        ],
        "notes": [
            {
                "salesforce_id": None,
                "written_at": "2025-03-10",
                "author": "Dr. Raman",
                "text": "Line 1\nLine 2",
            },
            {
                "salesforce_id": ref,
                "written_at": "2025-03-10",
                "author": "Dr. Raman",
                "text": "Line 1\nLine 2",
            },
        ],
    }
    note_writes = [f for s, f in _writes(client, mrn) if s == "notes"]
    assert note_writes == ["date", "author", "text", "reference"] * 2
    assert client.api("DELETE", f"{base}/insurance/primary").status_code == 200
    assert client.sandbox("patients")[0]["insurance"] == []
    assert ("insurance", "*") in _writes(client, mrn)

    client.sandbox("faults", "POST", {"latency_ms": 1})
    assert client.sandbox("reset", "POST") == {"ok": True}
    assert client.sandbox("patients") == [] and client.sandbox("writes") == []
    assert client.sandbox("faults")["latency_ms"] == 1  # reset keeps faults
    assert client.create_patient() != mrn  # MRNs are never reused
