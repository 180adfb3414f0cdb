"""The portal's own floor: a full intake replayed as raw HTTP, with no browser at all.

The browser-driven sync can never be faster than the HTTP requests the portal
needs for the same work, so "sync time / floor" says how much the browser,
the queue and the worker add on top of the portal itself. The replay sends the
same page and API requests, in the same order, that the headless browser sends
for a create (read from the sandbox's request log): log in with the CSRF token,
search, open the new-patient page, create, open the chart and each tab, save
two guardians, two coverages and the notes. Static assets are left out: the
browser only revalidates them (304), and they are not the portal's work.

Two more floors, in the same open session, for the jobs that follow a create
(the commonest in production): a one-field update by EMR id (open the chart,
read demographics, save the field, read the other three sections) and a no-op
resync by EMR id (open the chart, read the four sections). Each is *serial*,
one request after another, as the portal's pages issue them when tabs are
opened one by one; a browser that reads the sections in parallel can beat it.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import requests

from sandbox.emr_portal.request_log import kind_of
from tests.support.fixtures import make_bundle, normalise

UPDATED_PHONE = "(555) 999-0001"  # the one field an update changes (browser and floor alike)

_LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def us_date(iso: str | None) -> str | None:
    """``2024-06-15`` (or a datetime) -> ``06/15/2024``, the only date shape the portal takes."""
    if not iso:
        return None
    d = date.fromisoformat(iso[:10])
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    """A new form sends only the fields whose value differs from the (empty) loaded one."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def demographics_body(bundle: dict[str, Any]) -> dict[str, Any]:
    p = bundle["patient"]
    a = p.get("address") or {}
    return _filled(
        {
            "first_name": p["first_name"],
            "middle_name": p.get("middle_name"),
            "last_name": p["last_name"],
            "date_of_birth": us_date(p["date_of_birth"]),
            "sex": p.get("sex") or "unknown",
            "phone": p.get("phone"),
            "email": p.get("email"),
            "street": a.get("street"),
            "city": a.get("city"),
            "state": a.get("state"),
            "postal_code": a.get("postal_code"),
        }
    )


def guardian_body(g: dict[str, Any]) -> dict[str, Any]:
    body = _filled(
        {k: g.get(k) for k in ("first_name", "last_name", "relationship", "phone", "email")}
    )
    if g.get("is_primary"):
        body["is_primary"] = True
    return body


def coverage_body(c: dict[str, Any]) -> dict[str, Any]:
    body = _filled(
        {
            k: c.get(k)
            for k in (
                "payer",
                "member_id",
                "group_number",
                "subscriber_name",
                "subscriber_relationship",
            )
        }
    )
    if c.get("effective_date"):
        body["effective_date"] = us_date(c["effective_date"])
    return body


def note_body(n: dict[str, Any]) -> dict[str, Any]:
    return _filled(
        {
            "date": us_date(n["written_at"]),
            "author": n["author"],
            "text": n["text"],
            "reference": n.get("salesforce_id"),
        }
    )


class PortalHttp:
    """One staff session on the portal, spoken as raw HTTP (what the page's JS sends)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base = base_url.rstrip("/")
        self.username, self.password = username, password
        self.http = requests.Session()
        self.http.trust_env = False  # local addresses only: never a proxy
        self.csrf = ""
        self.requests = 0
        self.kinds: Counter[str] = Counter()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        resp = self.http.request(method, self.base + path, timeout=30, **kwargs)
        self.requests += 1 + len(resp.history)
        for r in (*resp.history, resp):
            self.kinds[kind_of(urlsplit(r.url).path)] += 1
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered HTTP {resp.status_code}")
        return resp

    def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" else {}
        return self._call(method, path, json=body, headers=headers).json()

    def login(self) -> None:
        page = self._call("GET", "/login").text
        token = _LOGIN_CSRF.search(page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        landing = self._call(
            "POST",
            "/login",
            data={
                "username": self.username,
                "password": self.password,
                "csrf_token": token.group(1),
                "next": "",
            },
        )
        meta = _META_CSRF.search(landing.text)
        if meta is None or "/login" in landing.url:
            raise RuntimeError("login failed")
        self.csrf = meta.group(1)

    def create_intake(self, bundle: dict[str, Any]) -> str:
        """The browser's create, request for request; returns the new MRN."""
        p = bundle["patient"]
        self._call("GET", "/patients")
        hits = self._api(
            "GET",
            "/api/patients/search?"
            + requests.compat.urlencode(
                {
                    "last": p["last_name"],
                    "first": p["first_name"],
                    "dob": us_date(p["date_of_birth"]),
                }
            ),
        )["results"]
        if hits:
            raise RuntimeError("the floor's patient already exists")
        self._call("GET", "/patients/new")
        mrn = self._api("POST", "/api/patients", demographics_body(bundle))["mrn"]
        self._call("GET", f"/patients/{mrn}")
        self._api("GET", f"/api/patients/{mrn}/demographics")
        self._api("GET", f"/api/patients/{mrn}/guardians")
        for g in bundle["guardians"]:
            self._api("POST", f"/api/patients/{mrn}/guardians", guardian_body(g))
        self._api("GET", f"/api/patients/{mrn}/insurance")
        for c in bundle["insurance"]:
            self._api("PUT", f"/api/patients/{mrn}/insurance/{c['rank']}", coverage_body(c))
        self._api("GET", f"/api/patients/{mrn}/notes")
        for n in bundle["notes"]:
            self._api("POST", f"/api/patients/{mrn}/notes", note_body(n))
        return mrn

    def _open_chart(self, mrn: str) -> None:
        self._call("GET", f"/patients/{mrn}?tab=demographics")
        self._api("GET", f"/api/patients/{mrn}/demographics")

    def _read_other_sections(self, mrn: str) -> None:
        for tab in ("guardians", "insurance", "notes"):
            self._api("GET", f"/api/patients/{mrn}/{tab}")

    def update_by_id(self, mrn: str, changes: dict[str, Any]) -> None:
        """A one-section update: open the chart, save the changed fields, read the rest."""
        self._open_chart(mrn)
        self._api("PATCH", f"/api/patients/{mrn}/demographics", changes)
        self._read_other_sections(mrn)

    def noop_by_id(self, mrn: str) -> None:
        """A resync that finds nothing to change: open the chart and read every section."""
        self._open_chart(mrn)
        self._read_other_sections(mrn)

    def close(self) -> None:
        self.http.close()


@dataclass
class FloorRun:
    login_s: float
    job_s: float
    requests: int
    mrn: str
    kinds: dict[str, int] = field(default_factory=dict)
    update_s: float = 0.0
    noop_s: float = 0.0
    update_kinds: dict[str, int] = field(default_factory=dict)
    noop_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.login_s + self.job_s


def replay_once(emr_url: str, bundle: dict[str, Any], username: str, password: str) -> FloorRun:
    client = PortalHttp(emr_url, username, password)
    try:
        t0 = time.perf_counter()
        client.login()
        t1 = time.perf_counter()
        login_kinds = Counter(client.kinds)
        mrn = client.create_intake(bundle)
        t2 = time.perf_counter()
        run = FloorRun(t1 - t0, t2 - t1, client.requests, mrn, dict(client.kinds - login_kinds))
        before = Counter(client.kinds)
        t3 = time.perf_counter()
        client.update_by_id(mrn, {"phone": UPDATED_PHONE})
        t4 = time.perf_counter()
        run.update_s, run.update_kinds = t4 - t3, dict(client.kinds - before)
        before = Counter(client.kinds)
        client.noop_by_id(mrn)
        run.noop_s, run.noop_kinds = time.perf_counter() - t4, dict(client.kinds - before)
    finally:
        client.close()
    return run


def check_chart(emr_url: str, mrn: str, bundle: dict[str, Any]) -> None:
    """The replay must build the chart a sync would: else it is not the same work."""
    charts = requests.get(f"{emr_url}/__sandbox__/patients", timeout=10).json()
    chart = next((c for c in charts if c["emr_patient_id"] == mrn), None)
    if chart is None or normalise(chart) != normalise(bundle):
        raise RuntimeError(f"the floor's chart {mrn} differs from its bundle")


def measure(
    emr_url: str, *, reps: int, first_n: int, username: str, password: str
) -> dict[str, Any]:
    """``reps`` fresh sessions, each logging in and creating one full intake; medians."""
    runs = []
    for i in range(reps):
        bundle = make_bundle(first_n + i, with_ids=True)
        run = replay_once(emr_url, bundle, username, password)
        if i == 0:
            # the chart after the create and the one-field update
            check_chart(
                emr_url,
                run.mrn,
                {**bundle, "patient": {**bundle["patient"], "phone": UPDATED_PHONE}},
            )
        runs.append(run)
    return {
        "reps": reps,
        "requests_per_intake": runs[0].requests,
        "requests": runs[0].kinds,
        "update_requests": runs[0].update_kinds,
        "noop_requests": runs[0].noop_kinds,
        "update_s": statistics.median(r.update_s for r in runs),
        "noop_s": statistics.median(r.noop_s for r in runs),
        "login_s": statistics.median(r.login_s for r in runs),
        "job_s": statistics.median(r.job_s for r in runs),
        "total_s": statistics.median(r.total_s for r in runs),
        "samples_total_s": [round(r.total_s, 4) for r in runs],
    }
