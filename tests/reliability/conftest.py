"""The fault suite's runner: one stack per scenario, a fault, a full reconciliation.

Each scenario runs the whole system as processes (real RabbitMQ and Redis,
Chromium, both sandboxes) on queues and keys of its own prefix, causes its
fault, waits until the system is quiet, reconciles every record it made
(``tests.support.reconcile``), stops the stack and counts processes left
behind. Its numbers are appended to ``.data/reliability/results.jsonl``, which
``docs/RELIABILITY.md`` is filled from. ``CHAOS_TRIALS`` sets the number of
trials of the repeated scenarios (``make chaos``: 50; ``make test``: a few).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import requests

from sandbox.inspection import Sandboxes
from syncapp import keys
from tests.support.broker import delete_queues
from tests.support.quiet import wait_quiet
from tests.support.reconcile import Tally, leaked_processes, orphan_browsers, reconcile
from tests.support.servers import ROOT, wait_until
from tests.support.services import require_rabbitmq, require_redis
from tests.support.stack import Ports, Stack
from tests.syncapp_salesforce.conftest import SandboxOrg

RESULTS = ROOT / ".data" / "reliability" / "results.jsonl"
BROKER = os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def trials(default: int = 3) -> int:
    return int(os.environ.get("CHAOS_TRIALS", default))


class Scenario(Sandboxes):
    """One fault scenario's stack, the records it made, and its reconciliation."""

    def __init__(self, name: str, run_dir: Path, **env: dict[str, str]) -> None:
        self.name = name
        self.prefix = f"{os.environ['SYNC_QUEUE_PREFIX']}-{name}"
        self.redis_url = env.get("extra_env", {}).get("REDIS_URL", os.environ["REDIS_URL"])
        extra = {
            "SYNC_BACKEND": "external",
            "SYNC_QUEUE_PREFIX": self.prefix,
            "SYNC_RETRY_BACKOFF_BASE": "1",
            "SYNC_RETRY_BACKOFF_MAX": "5",
            "LOG_LEVEL": "INFO",
            **env.pop("extra_env", {}),
        }
        self.stack = Stack(run_dir, Ports.free(), extra_env=extra, **env)
        super().__init__(self.stack.org_url, self.stack.emr_url)
        self.records: list[str] = []
        self.ids: dict[str, dict] = {}  # the org's ids of each record and its children
        self.expect_failed: dict[str, str] = {}
        self.started = time.time()
        self.faults = 0
        self.rng = random.Random(os.environ.get("CHAOS_SEED", name))

    def create(self, bundle: dict) -> str:
        ids = self.create_patient(bundle)
        self.records.append(ids["id"])
        self.ids[ids["id"]] = ids
        return ids["id"]

    def quiet(self, timeout: float = 600, since: float = 0.0) -> None:
        """``since``: count only jobs started after it (earlier ones may never report)."""
        wait_quiet(
            self,
            run_dir=self.stack.run_dir,
            redis_url=self.redis_url,
            prefix=self.prefix,
            since=since,
            timeout=timeout,
        )

    def connect_salesforce(self) -> None:
        """An administrator's visit: /oauth/login, the org's login page, back to the callback.

        The OAuth web-server flow through the running web app, as a clinic connects
        (a refresh token is issued); run again to re-authorise after a revocation.
        """
        browser = requests.Session()  # keeps the web app's session cookie (the OAuth state)
        start = browser.get(f"{self.stack.web_url}/oauth/login", allow_redirects=False, timeout=10)
        assert start.status_code == 302, start.text[:500]
        back = SandboxOrg(SimpleNamespace(url=self.org_url)).sign_in(start.headers["Location"])
        assert back.startswith(f"{self.stack.web_url}/oauth/callback"), back
        done = browser.get(back, timeout=20)
        assert done.status_code == 200 and "Connected to Salesforce" in done.text, done.text[:500]

    def salesforce_connected(self) -> bool:
        """What ``/oauth/status`` tells the operator."""
        status = requests.get(f"{self.stack.web_url}/oauth/status", timeout=10)
        status.raise_for_status()
        return bool(status.json()["connected"])

    def celery(self, *args: str) -> subprocess.CompletedProcess:
        """``celery -A tasks ...`` as the operator runs it, with the stack's configuration."""
        return self.stack.celery(*args)

    def finished(self) -> bool:
        """Every record has a final status and no newer change waits."""
        return (
            all(self.sf_patient(r)["sync"]["status"] in ("Synced", "Failed") for r in self.records)
            and self.pending_notifications() == 0
        )

    def all_final(self, timeout: float | None = None) -> None:
        """Every record has a final status (quiet can be reached while a retry waits).

        The deadline grows with the records (40 s each, at least 10 minutes): at
        ``CHAOS_TRIALS=50`` a scenario with faults on every request makes fifty
        patients, which a loaded 2-core machine syncs in well over ten minutes.
        """
        deadline = timeout if timeout is not None else max(600.0, 40.0 * len(self.records))
        wait_until(self.finished, timeout=deadline, what="every record to be final", interval=1)

    def finish(self) -> Tally:
        """Reconcile, stop, count what is left running, record the numbers."""
        tally = reconcile(self, self.records, self.expect_failed)
        workers = [p.pid for n, p in self.stack.processes.items() if n.startswith("worker")]
        orphans = orphan_browsers(self.prefix, workers)
        self.stack.stop()
        try:
            wait_until(lambda: not leaked_processes(self.prefix), timeout=20, what="no leftovers")
        except TimeoutError:
            pass
        left = leaked_processes(self.prefix)
        tally.leaked = len(left) + len(orphans)
        if left or orphans:
            names = sorted({n for _, n in left + orphans})
            tally.problems.append(f"{len(orphans)} orphaned, {len(left)} left running: {names}")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as fh:
            row = {"scenario": self.name, "faults": self.faults, **tally.as_dict()}
            row["seconds"] = round(time.time() - self.started)
            row["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            fh.write(json.dumps(row) + "\n")
        return tally

    def clean_up(self) -> None:
        self.stack.stop()
        delete_queues(self.prefix, BROKER)
        try:
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1)
            found = list(client.scan_iter(keys.namespaced(self.prefix, "*"), count=1000))
            if found:
                client.delete(*found)
        except redis.RedisError:
            pass  # the scenario's own Redis is gone with it


@pytest.fixture
def scenario(tmp_path) -> Iterator:
    require_rabbitmq()
    require_redis()
    made: list[Scenario] = []

    def make(name: str, **env) -> Scenario:
        s = Scenario(name, tmp_path / name, **env)
        made.append(s)
        return s

    yield make
    for s in made:
        s.clean_up()
