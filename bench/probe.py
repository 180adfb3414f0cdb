"""Where a browser job's time goes: portal requests by kind, WebDriver commands, client time.

Two sources, neither inside the product. The portal's own request log (the
sandbox's ``/__sandbox__/requests``) says which requests a job made (page
loads, API calls, static files served or only revalidated) and how long the
portal spent on them, injected latency included; the time the job spent with
no portal request in flight is *client-side time* (Chromium, WebDriver and
Python). WebDriver commands are counted in this process by wrapping
Selenium's ``RemoteConnection.execute``, through which every command of every
driver passes; nothing in the product knows it is counted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from selenium.webdriver.remote.remote_connection import RemoteConnection

from sandbox.inspection import Sandboxes

KINDS = ("document", "xhr", "static_200", "static_304")


class CommandCounter:
    """Counts WebDriver commands (and the seconds spent in them) made by this process."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.by_name: Counter[str] = Counter()  # WebDriver command name -> count
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        if self._original is not None:
            return
        original = self._original = RemoteConnection.execute
        counter = self

        def execute(conn: RemoteConnection, command: str, params: dict) -> Any:
            t0 = time.perf_counter()
            try:
                return original(conn, command, params)
            finally:
                with counter._lock:
                    counter.count += 1
                    counter.seconds += time.perf_counter() - t0
                    counter.by_name[command] += 1

        RemoteConnection.execute = execute  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            RemoteConnection.execute = self._original  # type: ignore[method-assign]
            self._original = None

    def snapshot(self) -> tuple[int, float]:
        with self._lock:
            return self.count, self.seconds

    def names(self) -> Counter[str]:
        with self._lock:
            return Counter(self.by_name)


def portal_busy_s(rows: list[dict[str, Any]], start: float, end: float) -> float:
    """Seconds of ``[start, end]`` during which at least one portal request was in flight."""
    spans = sorted((max(r["start"], start), min(r["end"], end)) for r in rows)
    busy, cur_a, cur_b = 0.0, None, None
    for a, b in spans:
        if b <= a:
            continue
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                busy += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        busy += cur_b - cur_a
    return busy


def count_kinds(rows: list[dict[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(KINDS, 0)
    for r in rows:
        if r["kind"] == "static":
            key = "static_304" if r["status"] == 304 else "static_200"
        else:
            key = r["kind"]
        out[key] = out.get(key, 0) + 1
    return out


@dataclass
class JobCost:
    """One job's wall time and what it cost: requests by kind, portal and client time."""

    seconds: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    portal_s: float = 0.0
    commands: int = 0
    command_s: float = 0.0
    command_names: dict[str, int] = field(default_factory=dict)

    @property
    def client_s(self) -> float:
        return max(0.0, self.seconds - self.portal_s)


@contextmanager
def measured(sandboxes: Sandboxes, counter: CommandCounter | None) -> Iterator[JobCost]:
    """Time the block and fill in its ``JobCost`` from the portal's log afterwards."""
    cost = JobCost()
    before = counter.snapshot() if counter else (0, 0.0)
    names_before = counter.names() if counter else Counter()
    start, t0 = time.time(), time.perf_counter()
    yield cost
    cost.seconds = time.perf_counter() - t0
    end = time.time()
    if counter:
        n, s = counter.snapshot()
        cost.commands, cost.command_s = n - before[0], s - before[1]
        cost.command_names = dict(counter.names() - names_before)
    rows = [r for r in sandboxes.emr_requests(start) if r["start"] <= end]
    cost.requests = count_kinds(rows)
    cost.portal_s = portal_busy_s(rows, start, end)


def summarise(costs: list[JobCost]) -> dict[str, Any]:
    """Medians of a list of jobs (requests: the median count of each kind), and the median
    job itself (``median_job``), whose parts add up where medians of parts need not."""
    import statistics

    if not costs:
        return {}

    def med(values: list[float]) -> float:
        return statistics.median(values)

    mid = sorted(costs, key=lambda c: c.seconds)[(len(costs) - 1) // 2]
    return {
        "median_job": {
            "seconds": mid.seconds,
            "portal_s": mid.portal_s,
            "client_s": mid.client_s,
            "commands": mid.commands,
            "command_s": mid.command_s,
            "command_names": mid.command_names,
            "requests": mid.requests,
        },
        "n": len(costs),
        "seconds": med([c.seconds for c in costs]),
        "portal_s": med([c.portal_s for c in costs]),
        "client_s": med([c.client_s for c in costs]),
        "commands": med([c.commands for c in costs]),
        "command_s": med([c.command_s for c in costs]),
        "requests": {k: med([c.requests.get(k, 0) for c in costs]) for k in KINDS},
        "samples_s": [round(c.seconds, 3) for c in costs],
        "samples_client_s": [round(c.client_s, 3) for c in costs],
    }
