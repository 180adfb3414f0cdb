"""Memory of one worker's browser, after its first job and after many: flat is the goal.

A worker keeps one Chromium for hundreds of jobs; if its memory grew per job,
the browser would have to be recycled often and the warm-job advantage would
shrink. Measured from /proc (psutil is not installed): the browser tree is
the ``chromedriver`` process under the worker and all its descendants
(Chromium's browser, zygotes, renderers, GPU/utility processes). RSS counts
shared pages once per process and so overstates a tree; PSS splits shared
pages between their users, and is the honest sum.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.system import System

PROC = Path("/proc")


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue  # the thread ended meanwhile
    return out


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (walking /proc/<pid>/task/*/children)."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo += children(p)
    return seen


def comm(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def rollup_kb(pid: int) -> dict[str, int]:
    """``Rss`` and ``Pss`` in kB from /proc/<pid>/smaps_rollup (empty if the process is gone)."""
    out: dict[str, int] = {}
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                out[key] = int(rest.split()[0])
    except OSError:
        pass
    return out


def browser_tree(root_pid: int) -> list[int]:
    """The chromedriver under ``root_pid`` and its descendants (empty: no browser yet)."""
    drivers = [p for p in descendants(root_pid) if comm(p) == "chromedriver"]
    tree: list[int] = []
    for d in drivers:
        tree += descendants(d)
    return tree


def tree_memory(pids: list[int]) -> dict[str, float]:
    rss = pss = 0
    for p in pids:
        r = rollup_kb(p)
        rss += r.get("Rss", 0)
        pss += r.get("Pss", 0)
    return {"processes": len(pids), "rss_mb": rss / 1024, "pss_mb": pss / 1024}


class Probe:
    """Samples one worker's browser tree, labelled with the jobs that browser has run."""

    def __init__(self, system: System, worker: str = "worker1") -> None:
        self.system, self.worker = system, worker
        self.samples: list[dict[str, Any]] = []

    def jobs_in_browser(self) -> int:
        """Upserts since the worker's latest browser start (from its log)."""
        jobs = 0
        for e in self.system.events([self.worker]):
            if e.get("step") == "start_session" and e.get("msg") == "step done":
                jobs = 0
            elif e.get("msg") == "upsert done":
                jobs += 1
        return jobs

    def sample(self, label: str) -> dict[str, Any]:
        proc = self.system.stack.processes[self.worker]
        sample = {
            "label": label,
            "jobs": self.jobs_in_browser(),
            **tree_memory(browser_tree(proc.pid)),
        }
        self.samples.append(sample)
        return sample

    def top_up(self, target_jobs: int, numbers: list[int], *, timeout: float) -> None:
        """Run full creates through the worker until its browser has ``target_jobs`` jobs.

        Other workers are stopped first so that every job lands on this one.
        """
        for name in self.system.workers():
            if name != self.worker:
                self.system.stop_worker(name)
        from bench.throughput import batch

        it = iter(numbers)
        while (missing := target_jobs - self.jobs_in_browser()) > 0:
            batch(self.system, [next(it) for _ in range(min(missing, 10))], timeout=timeout)

    def summary(self) -> dict[str, Any]:
        first = next((s for s in self.samples if s["jobs"] >= 1 and s["processes"]), None)
        last = self.samples[-1] if self.samples else None
        return {"first": first, "last": last, "samples": self.samples}
