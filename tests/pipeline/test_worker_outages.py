"""A real worker through a Redis outage and a crash-looping job (issue 10, findings 3 and 4).

The worker consumes only the sync queue, so the report jobs it publishes wait in the
report queue, where the test reads them. Redis is a redis-server of the test's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kombu import Connection, Queue

from syncapp.enqueue import Enqueuer
from tasks import deadletter
from tasks.celery_app import app
from tests.pipeline.own_redis import own_redis
from tests.support.broker import take_messages
from tests.support.salesforce_messages import sf_id
from tests.support.servers import ROOT, wait_until


@contextmanager
def worker(tmp_path: Path, queue: str, redis_url: str) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "SYNC_BACKEND": "external",
        "SYNC_ENV": "development",
        "SYNC_RETRY_BACKOFF_BASE": "1",
        "SYNC_RETRY_BACKOFF_MAX": "2",
        "SF_LOGIN_URL": "http://127.0.0.1:1",  # nothing there; no token stored either
        "SF_USERNAME": "",
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "-P", "solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "-l", "INFO"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_until(lambda: b"ready" in log.read_bytes(), timeout=60, what="the worker")
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _reports_for(record: str, report_queue: str) -> list[dict]:
    return [m["body"][0][0] for m in take_messages(report_queue) if m["body"][0][-1] == record]


def test_a_job_during_a_redis_outage_runs_once_redis_is_back(services, tmp_path):
    """Old: Celery stored "started" in Redis, failed, and the message was acked: lost."""
    deadletter.drain()
    record = sf_id(61)
    with own_redis(tmp_path, started=False) as redis_server:
        with worker(tmp_path, services.SYNC_QUEUE, redis_server.url) as log:
            Enqueuer(app)(record)
            wait_until(
                lambda: log.read_text().count("infrastructure unavailable") >= 2,
                timeout=60,
                what="the job to be requeued twice while Redis is down",
            )
            redis_server.start()
            # Back on its feet, the job runs: with no Salesforce token it gives up for good,
            # which parks it and tells Salesforce, instead of vanishing.
            letters = wait_until(
                lambda: [d for d in deadletter.drain(keep=True) if d.record_id == record],
                timeout=60,
                what="the job to run to its end",
            )
    assert [(d.task, d.kind) for d in letters] == [
        ("tasks.sync_patient", "reauthorization_required")
    ]
    reports = _reports_for(record, services.REPORT_QUEUE)
    assert [r["status"] for r in reports] == ["Failed"]
    deadletter.drain()


def test_a_crash_looping_job_is_reported_failed_by_the_dead_letter_watcher(services, tmp_path):
    """Old: a job dead-lettered by the delivery limit left its record blank in Salesforce."""
    deadletter.drain()
    record = sf_id(62)
    Enqueuer(app)(record)
    limit = services._QUORUM["x-delivery-limit"]
    with Connection(app.conf.broker_url) as conn:
        queue = Queue(services.SYNC_QUEUE, channel=conn.channel(), no_declare=True)
        for _ in range(limit + 1):  # what a worker killed mid-job again and again amounts to
            message = wait_until(lambda: queue.get(no_ack=False), timeout=10, what="the job")
            message.requeue()
    with own_redis(tmp_path) as redis_server:
        with worker(tmp_path, services.SYNC_QUEUE, redis_server.url):
            reports = wait_until(
                lambda: _reports_for(record, services.REPORT_QUEUE),
                timeout=60,
                what="a Failed report from the dead-letter watcher",
            )
    assert [(r["status"], r["kind"]) for r in reports] == [("Failed", "delivery_limit")]
    assert [d.record_id for d in deadletter.drain()] == [record]  # and resync --failed sees it


def test_the_watchers_own_report_hitting_the_limit_is_not_reported_again(services):
    """Otherwise a report that kept crashing would be re-sent by the watcher forever."""
    import json

    from kombu import Message

    record = sf_id(63)
    own = {"record_id": record, "status": "Failed", "kind": "delivery_limit"}
    message = Message(
        body=json.dumps([[own, record], {}, {}]), headers={"task": "tasks.report_to_salesforce"}
    )
    letter = deadletter._decode(message)
    assert (letter.record_id, letter.kind, letter.repeat) == (record, "delivery_limit", True)
    assert deadletter.on_dead_letter(letter) is False
    assert _reports_for(record, services.REPORT_QUEUE) == []
