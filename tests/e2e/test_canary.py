"""Distinctive patient values never reach logs, Flower, broker messages, results or Redis."""

from __future__ import annotations

import json
import os
from contextlib import ExitStack

import pytest
import redis
import requests
from kombu import Connection, Queue

from tests.e2e.conftest import Driver
from tests.support.bundles import make_bundle
from tests.support.servers import wait_until
from tests.support.sinks import http_sink, smtp_sink

CANARIES = {
    "first_name": "Zebulonqx",
    "last_name": "Quillfeatherz",
    "middle_name": "Vexmorrow",
    "phone": "(555) 867-5309",
    "email": "canary.xyzzy@example.org",
    "dob": "1987-06-05",
    "member_id": "CANARY99887766",
    "guardian": "Ottoliniqx",
    "note": "Canary note: xyzzy plover fee-fi-fo",
}
NEEDLES = [
    "Zebulonqx",
    "Quillfeatherz",
    "Vexmorrow",
    "867-5309",
    "8675309",
    "canary.xyzzy",
    "1987-06-05",
    "06/05/1987",
    "CANARY99887766",
    "Ottoliniqx",
    "xyzzy plover",
]
FLOWER_AUTH = ("ops", "flower-test-pw")


def _canary_bundle() -> dict:
    b = make_bundle(7, notes=1)
    p = b["patient"]
    p.update(
        first_name=CANARIES["first_name"],
        last_name=CANARIES["last_name"],
        middle_name=CANARIES["middle_name"],
        phone=CANARIES["phone"],
        email=CANARIES["email"],
        date_of_birth=CANARIES["dob"],
    )
    b["guardians"][0]["first_name"] = CANARIES["guardian"]
    b["insurance"][0]["member_id"] = CANARIES["member_id"]
    b["notes"][0]["text"] = CANARIES["note"]
    return b


def _leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n.lower() in text.lower()]


@pytest.fixture(scope="module")
def canary_system(stack_factory):
    sinks = ExitStack()  # alerts go to a local SMTP server and a local webhook
    smtp_port, mails = sinks.enter_context(smtp_sink())
    hook, posts = sinks.enter_context(http_sink())
    alerting = {
        "ALERT_SMTP_HOST": "127.0.0.1",
        "ALERT_SMTP_PORT": str(smtp_port),
        "ALERT_SMTP_TO": "oncall@clinic.example",
        "ALERT_WEBHOOK_URL": hook,
    }
    stack = stack_factory(extra_env={"LOG_LEVEL": "DEBUG", **alerting})
    prefix = os.environ["SYNC_QUEUE_PREFIX"]
    # The workers (with -E) declare Celery's event exchange; bind once they are up.
    stack.start(flower_auth=":".join(FLOWER_AUTH))
    conn = Connection(
        stack.service_env().get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    )
    tap = Queue(f"{prefix}.tap", durable=False, auto_delete=False)
    channel = conn.channel()
    tap(channel).declare()
    for name in (prefix, f"{prefix}.dlx", "celeryev"):
        channel.exchange_declare(name, "topic", passive=True)
        channel.queue_bind(tap.name, name, "#")
    driver = Driver(stack)
    driver.alerts = (mails, posts)
    yield driver, conn, tap
    channel.queue_delete(tap.name)
    conn.release()
    sinks.close()


def test_no_patient_value_escapes(canary_system):
    system, conn, tap = canary_system
    record_id = system.create_patient(_canary_bundle())["id"]
    system.wait_quiet()
    mrn = system.assert_chart_equals_record(record_id)  # the sync really carried the values

    # Logs of our own processes (the sandboxes are the outside systems).
    for name in ("web", "worker", "flower"):
        log = system.stack.log(name)
        assert log, f"{name} wrote no log"
        assert _leaks(log) == [], f"{name} log leaks"
    assert record_id in system.stack.log("worker")

    # Broker messages: everything published to our exchanges and Celery's event exchange.
    channel = conn.channel()
    bound = Queue(tap.name, channel=channel, no_declare=True)
    seen = 0
    while (message := bound.get(no_ack=True, accept=["json"])) is not None:
        seen += 1
        raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        raw += json.dumps(message.headers or {}, default=str).encode()
        assert _leaks(raw.decode(errors="replace")) == []
    assert seen > 0

    # Flower: the task API and the UI.
    flower = system.stack.flower_url
    assert requests.get(f"{flower}/api/tasks", timeout=10).status_code == 401
    api = requests.get(f"{flower}/api/tasks", auth=FLOWER_AUTH, timeout=10)
    assert api.status_code == 200 and record_id in api.text
    assert _leaks(api.text) == []
    for task_id in api.json():
        info = requests.get(f"{flower}/api/task/info/{task_id}", auth=FLOWER_AUTH, timeout=10)
        assert _leaks(info.text) == []
    ui = requests.get(f"{flower}/tasks", auth=FLOWER_AUTH, timeout=10)
    assert ui.status_code == 200 and _leaks(ui.text) == []

    # Redis: every key and value (results, markers, locks, the encrypted token).
    r = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = r.keys("*")
    assert keys
    for key in keys:
        kind = r.type(key).decode()
        if kind == "string":
            value = r.get(key) or b""
        elif kind == "hash":
            value = json.dumps(
                {k.decode(): v.decode(errors="replace") for k, v in r.hgetall(key).items()}
            ).encode()
        elif kind == "list":
            value = b"".join(r.lrange(key, 0, -1))
        elif kind == "set":
            value = b"".join(r.smembers(key))
        elif kind == "zset":
            value = b"".join(r.zrange(key, 0, -1))
        else:
            value = b""
        assert _leaks(key.decode(errors="replace") + value.decode(errors="replace")) == [], key

    # Salesforce's own view carries the MRN and field names only.
    callback = system.callbacks(record_id)[-1]["body"]
    assert callback["emrPatientId"] == mrn and _leaks(json.dumps(callback)) == []


def test_no_patient_value_in_audit_metrics_status_or_alerts(canary_system):
    """The operations surfaces: the audit table, /metrics, /status and the alerts."""
    system, _, _ = canary_system
    mails, posts = system.alerts
    # Another day of birth: the same name and date as the first test's child is (rightly)
    # refused as a duplicate. Those dates are needles here too.
    own = ["1987-06-06", "06/06/1987", "2999-06-05", "06/05/2999"]

    def leaks(text: str) -> list[str]:
        return _leaks(text) + [n for n in own if n in text]

    twin = _canary_bundle()
    twin["patient"]["date_of_birth"] = "1987-06-06"
    synced = system.create_patient(twin)["id"]
    failing = _canary_bundle()
    failing["patient"]["date_of_birth"] = "2999-06-05"  # invalid: fails for good, alerts
    failed = system.create_patient(failing)["id"]
    system.wait_quiet()
    assert system.sf_patient(synced)["sync"]["status"] == "Synced"
    assert system.sf_patient(failed)["sync"]["status"] == "Failed"

    # Alerts: both sinks got one for the failed record, with its id and kind only.
    wait_until(
        lambda: any(failed in m["Subject"] for m in mails) and any(failed in str(p) for p in posts),
        timeout=30,
        what="the alert at both sinks",
    )
    assert leaks("".join(m.as_string() for m in mails)) == []
    assert leaks(json.dumps(posts)) == []

    # The audit table (SQLite in the data dir): every byte of the database file.
    data = system.stack.run_dir / "data"
    audit = b"".join(p.read_bytes() for p in data.glob("audit.sqlite*"))
    assert synced.encode() in audit and failed.encode() in audit
    assert b"demographics" in audit  # field names are there, in clear
    assert leaks(audit.decode(errors="replace")) == []

    # /metrics and /status (admin pages answer loopback in development).
    metrics = requests.get(f"{system.stack.web_url}/metrics", timeout=10)
    assert metrics.status_code == 200 and "emr_sync_jobs_total" in metrics.text
    assert leaks(metrics.text) == []
    status = requests.get(f"{system.stack.web_url}/status", timeout=10)
    assert status.status_code == 200 and synced in status.text and failed in status.text
    assert leaks(status.text) == []
