"""The hostile-input suite: the web app configured as production, probed with bad input.

Every case goes through ``probe`` (one request, then: status, jobs published,
canary values in the response or in any log record). ``probe`` also tallies
per input class; with ``HOSTILE_REPORT=<file>`` the session writes the tally as
JSON, which ``python -m tests.hostile.report`` turns into docs/RELIABILITY.md's
"Input" table.

The app runs with ``SYNC_ENV=production`` and strong secrets (so preflight
passes, cookies are Secure and the admin pages have no loopback exemption), on
the embedded SQLite store, with a publisher that records what it is asked to
publish: a job published by mistake is exactly what these tests look for.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from cryptography.fernet import Fernet

from tests.support.salesforce_messages import ORG_ID

OM_SECRET = "om" + uuid.uuid4().hex + uuid.uuid4().hex[:8]
SIGNING_KEY = "sk" + uuid.uuid4().hex + uuid.uuid4().hex[:8]
ADMIN = ("admin", "adm" + uuid.uuid4().hex[:20])
FLOWER = ("flower", "flw" + uuid.uuid4().hex[:20])
CANARY = "Zqxcanary7731"  # a value that must never come back or reach a log
PUBLIC = "https://sync.clinic.example"

PRODUCTION_ENV = {
    "SYNC_ENV": "production",
    "SYNC_BACKEND": "embedded",
    "FLASK_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
    "SYNC_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ADMIN_BASIC_AUTH": ":".join(ADMIN),
    "FLOWER_BASIC_AUTH": ":".join(FLOWER),
    "SF_OUTBOUND_MESSAGE_SECRET": OM_SECRET,
    "SF_SIGNING_SECRET": SIGNING_KEY,
    "SF_ALLOWED_ORG_IDS": ORG_ID,
    "PUBLIC_BASE_URL": PUBLIC,
    "SF_CLIENT_ID": "hostile-client-id",
}

_tally: dict[str, dict[str, int]] = defaultdict(
    lambda: {"cases": 0, "refused_4xx": 0, "enqueued_by_mistake": 0, "leaked": 0}
)


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("HOSTILE_REPORT")
    if path and _tally:
        with open(path, "w") as fh:
            json.dump(dict(sorted(_tally.items())), fh, indent=2)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        out = []
        for r in self.records:
            out.append(r.getMessage())
            out.append(repr({k: v for k, v in r.__dict__.items() if k not in ("msg", "args")}))
            if r.exc_info and r.exc_info[1] is not None:
                out.append(str(r.exc_info[1]))
        return "\n".join(out)


@dataclass
class HostileApp:
    app: object
    published: list[str] = field(default_factory=list)
    logs: _Records = field(default_factory=_Records)

    def client(self):
        return self.app.test_client()


def build_app(monkeypatch, tmp_path, **overrides) -> HostileApp:
    """The production-configured app on a fresh SQLite store; ``overrides`` are env vars."""
    env = {**PRODUCTION_ENV, "SYNC_DATA_DIR": str(tmp_path), **overrides}
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    from syncapp.settings import Settings, get_settings
    from syncapp.web.app import create_app

    get_settings.cache_clear()
    settings = Settings()
    published: list[str] = []

    def record(record_id: str, job_id: str | None = None) -> str:
        published.append(record_id)
        return job_id or str(uuid.uuid4())

    params = inspect.signature(create_app).parameters
    if "enqueue" in params:
        from syncapp.backend import resolve
        from syncapp.kv import SQLiteStore

        app = create_app(
            settings=settings,
            backend=resolve(settings),
            store=SQLiteStore(tmp_path / "store.sqlite"),
            enqueue=record,
        )
    else:  # the factory before explicit services
        app = create_app({"SYNC_ENQUEUE": record}, settings=settings)
    hostile = HostileApp(app, published)
    logging.getLogger().addHandler(hostile.logs)
    logging.getLogger().setLevel(logging.DEBUG)
    return hostile


@pytest.fixture
def hostile(monkeypatch, tmp_path):
    h = build_app(monkeypatch, tmp_path)
    yield h
    logging.getLogger().removeHandler(h.logs)


@dataclass
class Outcome:
    status: int
    body: bytes
    published: int
    leaked: bool
    headers: dict


@pytest.fixture
def probe(hostile):
    """``probe(kind, method, path, **kw)``: one request, its outcome, tallied under ``kind``."""

    def run(kind: str, method: str, path: str, *, expect_4xx: bool = True, **kw) -> Outcome:
        before = len(hostile.published)
        resp = hostile.client().open(path, method=method, **kw)
        body = resp.get_data()
        published = len(hostile.published) - before
        leaked = CANARY.encode() in body or CANARY in hostile.logs.text()
        row = _tally[kind]
        row["cases"] += 1
        row["refused_4xx"] += int(400 <= resp.status_code < 500)
        row["enqueued_by_mistake"] += published if expect_4xx else 0
        row["leaked"] += int(leaked)
        return Outcome(resp.status_code, body, published, leaked, dict(resp.headers))

    return run


def om_path(secret: str | None = OM_SECRET) -> str:
    return "/salesforce/outbound-message" + (f"/{secret}" if secret is not None else "")
