"""End-to-end fixtures: both sandboxes, the web app and real Celery workers as subprocesses.

Everything runs for real: RabbitMQ, Redis, headless Chromium, the sandbox EMR
portal and the sandbox Salesforce org. Tests act the way staff and operators do
(create a patient in the org, kill a worker, run ``resync``) and observe through
the sandboxes' ``/__sandbox__/`` inspection APIs.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from sandbox.inspection import Sandboxes
from tests.support.bundles import normalise, with_ids
from tests.support.quiet import sync_jobs, sync_starts, wait_quiet
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis
from tests.support.stack import Ports, Stack

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

    def sync_runs(self, record_id: str | None = None) -> int:
        """How many times a sync started (a redelivered or retried job counts again)."""
        return len(sync_starts(self.stack.run_dir, record_id=record_id))

    def sync_jobs(self) -> int:
        """Distinct sync jobs: each ends in exactly one callback, however often it ran."""
        return len(sync_jobs(self.stack.run_dir))

    def wait_quiet(self, timeout: float = 180) -> None:
        """Wait until every notification was delivered and every started job reported back."""
        wait_quiet(
            self,
            run_dir=self.stack.run_dir,
            redis_url=os.environ["REDIS_URL"],
            prefix=os.environ["SYNC_QUEUE_PREFIX"],
            timeout=timeout,
        )

    def celery(self, *args: str) -> subprocess.CompletedProcess:
        """``celery -A tasks ...`` as the operator runs it, with the stack's configuration."""
        return self.stack.celery(*args)


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
