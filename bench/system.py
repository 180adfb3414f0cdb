"""The running system under measurement: the sandboxes, the web app and real workers.

The harness (``tests/support``) starts every process and knows when the system
is quiet; this adds what the benchmarks
need around it: its own queues (``SYNC_QUEUE_PREFIX=bench-<pid>``) on the real
RabbitMQ, its own Redis database (flushed at start and end), acting as staff
in the sandbox org, reading the workers' JSON logs, and waiting (by polling
with deadlines, never by sleeping a guessed time) for the system to go quiet.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import requests

from sandbox.inspection import Sandboxes
from tests.support.broker import delete_queues
from tests.support.quiet import epoch, wait_quiet, worker_events
from tests.support.servers import wait_until as poll
from tests.support.stack import EMR_PASSWORD, EMR_USER, Ports, Stack

T = TypeVar("T")
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"


def configure_environment(prefix: str, redis_url: str) -> None:
    """Settings are read from the environment by this process *and* by every child."""
    os.environ.update(
        {
            "SYNC_BACKEND": "external",
            "SYNC_QUEUE_PREFIX": prefix,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", BROKER_URL),
            "SE_OFFLINE": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            # this process only: the children get LOG_LEVEL=INFO from the stack env
            "LOG_LEVEL": "WARNING",
        }
    )


class System(Sandboxes):
    """One bench run's stack, started piece by piece as the measurements need it."""

    def __init__(self, run_dir: Path, *, prefix: str, redis_url: str, session_cap: int) -> None:
        self.prefix, self.redis_url = prefix, redis_url
        self.stack = Stack(
            run_dir,
            Ports.free(),
            extra_env={
                "SYNC_BACKEND": "external",
                "SYNC_QUEUE_PREFIX": prefix,
                "REDIS_URL": redis_url,
                "LOG_LEVEL": "INFO",
                "EMR_SESSION_CAP": str(session_cap),
                # Memory is measured over one browser's life: no recycling mid-run.
                "EMR_SESSION_MAX_JOBS": "10000",
                "SYNC_RETRY_BACKOFF_BASE": "1",
                "SYNC_RETRY_BACKOFF_MAX": "5",
            },
        )
        http = requests.Session()
        http.trust_env = False
        super().__init__(self.stack.org_url, self.stack.emr_url, http)
        self.services_up = False
        self._used_shared = False  # RabbitMQ and Redis touched: clean them at the end

    # --- lifecycle ------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self.stack.run_dir

    def start_emr(self) -> None:
        if "emr" not in self.stack.processes:
            self.stack.start_emr()

    def start_services(self) -> None:
        """Org, web app and ``worker1`` on a clean Redis database and fresh queues."""
        if self.services_up:
            return
        self._used_shared = True
        self._flush_redis()
        self.start_emr()
        self.stack.start_org()
        self.stack.start_web()
        self.start_worker("worker1")
        self.services_up = True

    def start_worker(self, name: str) -> None:
        if name not in self.stack.processes:
            self.stack.start_worker(name, concurrency=1)

    def stop_worker(self, name: str) -> None:
        self.stack.stop_process(name)

    def workers(self) -> list[str]:
        return sorted(n for n in self.stack.processes if n.startswith("worker"))

    def stop(self) -> None:
        self.stack.stop()
        self.http.close()
        if self._used_shared:
            self._delete_queues()
            try:
                self._flush_redis()
            except Exception:  # noqa: BLE001 - cleanup must not hide the results
                print(f"  (could not flush {self.redis_url})")

    def _flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url, socket_connect_timeout=2).flushdb()

    def _delete_queues(self) -> None:
        """Leave the shared RabbitMQ as we found it (best effort)."""
        if not delete_queues(self.prefix, os.environ["CELERY_BROKER_URL"]):
            print(f"  (could not delete the queues {self.prefix}.*)")

    # --- Salesforce staff -------------------------------------------------------------
    def timed_callbacks(self) -> list[dict[str, Any]]:
        """Callbacks with their record id, status and arrival as an epoch time."""
        return [
            {
                "record_id": row["body"]["recordId"],
                "status": row["body"].get("status"),
                "at": epoch(row["at"]),
                "body": row["body"],
            }
            for row in self.callbacks()
            if isinstance(row.get("body"), dict) and row["body"].get("recordId")
        ]

    def wait_callbacks(
        self, record_ids: Iterable[str], *, since: float, timeout: float
    ) -> dict[str, dict[str, Any]]:
        """The first callback at or after ``since`` for each record; raise if one says Failed."""
        wanted = set(record_ids)

        def done() -> dict[str, dict[str, Any]] | None:
            first: dict[str, dict[str, Any]] = {}
            for cb in self.timed_callbacks():
                if cb["record_id"] in wanted and cb["at"] >= since - 0.001:
                    first.setdefault(cb["record_id"], cb)
            return first if len(first) == len(wanted) else None

        got = poll(done, timeout=timeout, what=f"callbacks for {len(wanted)} records")
        failed = [r for r, cb in got.items() if cb["status"] != "Synced"]
        if failed:
            raise RuntimeError(
                f"{len(failed)} syncs reported Failed, e.g. {got[failed[0]]['body']}"
            )
        return got

    # --- the webhook ------------------------------------------------------------------
    @property
    def webhook_url(self) -> str:
        return f"{self.stack.web_url}/salesforce/outbound-message"

    def org_id(self) -> str:
        return self.stack.org_id

    # --- workers' logs ------------------------------------------------------------------
    def events(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every JSON log line of the named workers (all by default), with ``worker`` added."""
        return worker_events(self.run_dir, names)

    def sync_runs(self, *, since: float, names: Iterable[str] | None = None) -> Counter[str]:
        """Jobs started per record id since ``since`` (the "sync started" log line)."""
        return Counter(
            e.get("record_id", "")
            for e in self.events(names)
            if e.get("msg") == "sync started" and e.get("step") == "start" and e["t"] >= since
        )

    def wait_quiet(self, *, since: float, timeout: float) -> None:
        """Nothing pending, queued, locked or in flight, and every job since ``since`` reported.

        The harness counts jobs, not runs: a retried job no longer makes this wait out
        its whole timeout.
        """
        wait_quiet(
            self,
            run_dir=self.run_dir,
            redis_url=self.redis_url,
            prefix=self.prefix,
            since=since,
            timeout=timeout,
        )


def emr_credentials() -> tuple[str, str]:
    return EMR_USER, EMR_PASSWORD
