"""Workers' JSON logs, and waiting until a running stack has nothing left to do.

One definition of "quiet" for the end-to-end tests, the benchmarks and the
fault suite. It counts JOBS, not runs: a job that was retried or redelivered
logs "sync started" several times but ends in one callback, so comparing
callbacks with runs (as the bench once did) waits out its whole timeout after
any retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import redis

from sandbox.inspection import Sandboxes
from syncapp import keys
from tests.support.broker import queue_depth
from tests.support.servers import wait_until


def epoch(iso: str) -> float:
    """An ISO 8601 time (the org's callbacks, the workers' log lines) as a Unix time."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def worker_events(run_dir: Path, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every JSON log line of the named workers (all by default), with ``worker`` and ``t``."""
    wanted = set(names) if names is not None else None
    out = []
    for path in sorted(run_dir.glob("worker*.log")):
        if wanted is not None and path.stem not in wanted:
            continue
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            event["worker"] = path.stem
            event["t"] = epoch(event["ts"]) if "ts" in event else 0.0
            out.append(event)
    return out


def sync_starts(run_dir: Path, *, since: float = 0.0, record_id: str | None = None) -> list[dict]:
    """Every "sync started" line since ``since`` (a retried or redelivered job counts again)."""
    return [
        e
        for e in worker_events(run_dir)
        if e.get("msg") == "sync started"
        and e["t"] >= since
        and (record_id is None or e.get("record_id") == record_id)
    ]


def sync_jobs(run_dir: Path, *, since: float = 0.0) -> set[str]:
    """Distinct sync jobs started since ``since``: each ends in a callback, however often it ran."""
    return {e["job_id"] for e in sync_starts(run_dir, since=since) if e.get("job_id")}


def callbacks_since(sandboxes: Sandboxes, since: float) -> int:
    return sum(
        1
        for row in sandboxes.callbacks()
        if isinstance(row.get("body"), dict) and row.get("at") and epoch(row["at"]) >= since - 0.001
    )


def wait_quiet(
    sandboxes: Sandboxes,
    *,
    run_dir: Path,
    redis_url: str,
    prefix: str,
    since: float = 0.0,
    timeout: float = 180.0,
) -> None:
    """Wait until nothing is pending, queued, locked or in flight, and every job reported.

    Order matters: a job logs "sync started" before it clears its queued marker,
    and reports after it releases its lock, so there is no moment where work is
    in flight and all of these look idle.
    """
    r = redis.Redis.from_url(redis_url, socket_connect_timeout=2)

    def quiet() -> bool:
        return (
            sandboxes.pending_notifications() == 0
            and not r.keys(keys.namespaced(prefix, keys.QUEUED + "*"))
            and not r.keys(keys.namespaced(prefix, keys.LOCK + "*"))
            and queue_depth(f"{prefix}.sync") == 0
            and queue_depth(f"{prefix}.report") == 0
            and callbacks_since(sandboxes, since) >= len(sync_jobs(run_dir, since=since))
        )

    wait_until(quiet, timeout=timeout, what="the system to be quiet", interval=0.3)
