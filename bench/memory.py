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

import threading
from pathlib import Path
from typing import Any

from bench.system import System, poll

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
    """Fields of /proc/<pid>/smaps_rollup in kB (empty if the process is gone)."""
    out: dict[str, int] = {}
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                out[key] = int(parts[0])
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
    """RSS, PSS, USS (private pages) and anonymous memory of a process tree, in MB.

    PSS and USS depend on who else maps the same pages, *including other browsers on
    the machine* (a second worker's, a test's): Chromium's code pages are shared
    with every other Chromium, so both drop when another one starts and rise when
    it quits, with no change in this tree. RSS and anonymous memory (heaps: what a
    leak grows) count each process's own mappings whatever the neighbours do, so
    growth is judged on those; PSS is shown beside them.
    """
    total = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0, "Anonymous": 0}
    for p in pids:
        r = rollup_kb(p)
        for key in total:
            total[key] += r.get(key, 0)
    return {
        "processes": len(pids),
        "rss_mb": total["Rss"] / 1024,
        "pss_mb": total["Pss"] / 1024,
        "uss_mb": (total["Private_Clean"] + total["Private_Dirty"]) / 1024,
        "anon_mb": total["Anonymous"] / 1024,
    }


class Probe:
    """Samples one worker's browser tree right after its Nth job, for N in ``milestones``.

    A thread follows the worker's log (new bytes only) and counts the jobs run by
    the current browser ("upsert done" since the last "start_session"); when a
    milestone is reached it reads /proc at once, while the other measurements go on.
    """

    def __init__(self, system: System, worker: str, milestones: tuple[int, ...]) -> None:
        self.system, self.worker = system, worker
        self.pending = sorted(milestones)
        self.samples: list[dict[str, Any]] = []
        self._jobs = 0
        self._offset = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="memory-probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _scan(self) -> int:
        path = self.system.run_dir / f"{self.worker}.log"
        with self._lock:
            if path.exists():
                with path.open("rb") as f:
                    f.seek(self._offset)
                    chunk = f.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                self._offset += len(complete)
                for line in complete.decode(errors="replace").splitlines():
                    if '"step": "start_session"' in line and '"msg": "step done"' in line:
                        self._jobs = 0
                    elif '"msg": "upsert done"' in line:
                        self._jobs += 1
            return self._jobs

    def _watch(self) -> None:
        while not self._stop.is_set():
            jobs = self._scan()
            if self.pending and jobs >= self.pending[0]:
                while self.pending and jobs >= self.pending[0]:
                    self.pending.pop(0)
                self.sample(f"after job {jobs}")
            self._stop.wait(0.05)  # poll interval of the log follower

    def jobs_in_browser(self) -> int:
        return self._scan()

    def sample(self, label: str) -> dict[str, Any]:
        proc = self.system.stack.processes.get(self.worker)
        tree = browser_tree(proc.pid) if proc is not None else []
        sample = {"label": label, "jobs": self._jobs, **tree_memory(tree)}
        with self._lock:
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
        poll(lambda: not self.pending, timeout=10, what="the memory probe's last milestone")

    def summary(self, target_jobs: int) -> dict[str, Any]:
        with self._lock:
            samples = [s for s in self.samples if s["processes"]]
        first = next((s for s in samples if s["jobs"] >= 1), None)
        warm = next((s for s in samples if s["jobs"] >= min(10, target_jobs)), None)
        at_target = next((s for s in samples if s["jobs"] >= target_jobs), None)
        return {
            "first": first,
            "warm": warm,  # after the first jobs' one-off growth (caches, JIT, heaps)
            "at_target": at_target,
            "last": samples[-1] if samples else None,
            "samples": samples,
        }
