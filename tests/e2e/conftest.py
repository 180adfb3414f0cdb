"""End-to-end fixtures: both sandboxes, the web app and real Celery workers as subprocesses.

Everything runs for real: RabbitMQ, Redis, headless Chromium, the sandbox EMR
portal and the sandbox Salesforce org. Tests act the way staff and operators do
(create a patient in the org, kill a worker, run ``resync``) and observe through
the sandboxes' ``/__sandbox__/`` inspection APIs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from sandbox.inspection import Sandboxes
from scripts.stack import Ports, Stack, wait_for
from tests.support.bundles import normalise, with_ids
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis

ROOT = Path(__file__).resolve().parents[2]


class Driver(Sandboxes):
    """What a test does to the running system, in the words of its users."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(stack.org_url, stack.emr_url)
        self.stack = stack

    def update_patient(self, bundle_with_ids: dict) -> dict:
        return self.create_patient(bundle_with_ids)

    def chart(self, mrn: str) -> dict:
        matches = [c for c in self.charts() if c["emr_patient_id"] == mrn]
        assert len(matches) == 1, f"expected one chart {mrn}, found {len(matches)}"
        return matches[0]

    # --- waiting and checking -------------------------------------------------------

    def assert_chart_equals_record(self, record_id: str) -> str:
        record = self.sf_patient(record_id)
        mrn = record["sync"]["emr_patient_id"]
        assert mrn, "Salesforce has no EMR id"
        assert normalise(self.chart(mrn)) == normalise(record)
        return mrn

    def _sync_starts(self, record_id: str | None = None) -> list[dict]:
        starts = []
        for path in self.stack.run_dir.glob("worker*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("{") and '"msg": "sync started"' in line:
                    entry = json.loads(line)
                    if record_id is None or entry.get("record_id") == record_id:
                        starts.append(entry)
        return starts

    def sync_runs(self, record_id: str | None = None) -> int:
        """How many times a sync started (a redelivered or retried job counts again)."""
        return len(self._sync_starts(record_id))

    def sync_jobs(self) -> int:
        """Distinct sync jobs: each ends in exactly one callback, however often it ran."""
        return len({entry["job_id"] for entry in self._sync_starts()})

    def wait_quiet(self, timeout: float = 180) -> None:
        """Wait until every notification was delivered and every started sync reported back.

        Order matters: a job logs "sync started" before it clears its queued marker,
        and reports after it releases its lock, so there is no moment where work is
        in flight and all of these look idle. Every distinct sync job ends in one
        callback, however often it was redelivered or retried.
        """
        import celeryconfig
        from tests.support.broker import queue_depth

        r = redis.Redis.from_url(os.environ["REDIS_URL"])
        prefix = os.environ["SYNC_QUEUE_PREFIX"]

        def quiet():
            return (
                self.pending_notifications() == 0
                and not r.keys(f"{prefix}:sync:queued:*")
                and not r.keys(f"{prefix}:sync:lock:*")
                and queue_depth(celeryconfig.SYNC_QUEUE) == 0
                and queue_depth(celeryconfig.REPORT_QUEUE) == 0
                and len(self.callbacks()) >= self.sync_jobs()
            )

        wait_for(quiet, timeout=timeout, what="the system to be quiet", interval=0.3)

    def celery(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "celery", "-A", "tasks", *args],
            cwd=ROOT,
            env=self.stack.service_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def stack_factory(tmp_path_factory):
    require_rabbitmq()
    require_redis()
    stacks: list[Stack] = []

    def make(**kwargs) -> Stack:
        clear_redis_namespace()
        from tasks.topology import declare_all
        from tests.support.broker import take_messages

        declare_all()
        import celeryconfig

        for q in (celeryconfig.SYNC_QUEUE, celeryconfig.REPORT_QUEUE, celeryconfig.DEAD_QUEUE):
            take_messages(q)
        run_dir = tmp_path_factory.mktemp("stack")
        env = {
            "SYNC_BACKEND": "external",
            "SYNC_RETRY_BACKOFF_BASE": "1",
            "SYNC_RETRY_BACKOFF_MAX": "5",
            "LOG_LEVEL": "INFO",
            **kwargs.pop("extra_env", {}),
        }
        stack = Stack(run_dir, Ports.free(), extra_env=env, **kwargs)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture(scope="module")
def system(stack_factory):
    stack = stack_factory().start()
    return Driver(stack)


__all__ = ["Driver", "normalise", "re", "with_ids"]
