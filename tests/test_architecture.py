"""The layout's promises, checked: no import cycle anywhere, and no I/O when importing.

``lint-imports`` (contracts in ``pyproject.toml``) checks who may import whom; this
module checks what a contract cannot say: that the import graph of every package
has no cycle at all (imports inside functions included: grimp reads every import
statement), and that importing the worker, its Celery settings and the web app
touches no network — they must import instantly on a machine where RabbitMQ and
Redis are unreachable, and choose their backend only when a process starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("syncapp", "tasks", "portal_pages", "sandbox", "scripts", "bench", "tests")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check below can fail: two modules importing each other inside functions."""
    pkg = tmp_path / "knot"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from knot import b\n")
    (pkg / "b.py").write_text("def g():\n    from knot.a import f\n")
    (pkg / "c.py").write_text("from knot import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("knot", cache_dir=None)
    assert _cycles(graph) == [["knot.a", "knot.b"]]


def test_no_import_cycles_anywhere():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _cycles(graph) == []


# Makes every attempt to open a network connection fail, and writes it down.
_NO_NETWORK = textwrap.dedent(
    """
    import os, socket

    def _refuse(*args, **kwargs):
        with open(os.environ["NETWORK_ATTEMPTS"], "a") as f:
            f.write(repr(args[1:] or args)[:200] + "\\n")
        raise OSError(101, "network blocked by the test")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    """
)

IMPORTS = "import tasks, celeryconfig, syncapp.web; from syncapp.web import create_app"


def _import_offline(tmp_path: Path, *, isolate: bool) -> tuple[subprocess.CompletedProcess, float]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_NO_NETWORK)
    attempts = tmp_path / "attempts.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "NETWORK_ATTEMPTS": str(attempts),
        "SYNC_BACKEND": "auto",  # the one setting that would probe the network
        "SYNC_DATA_DIR": str(tmp_path / "data"),
    }
    command = [sys.executable, "-c", IMPORTS]
    if isolate:
        command = ["unshare", "--net", *command]
    start = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - start


def test_importing_the_worker_and_the_web_app_touches_no_network(tmp_path):
    done, seconds = _import_offline(tmp_path, isolate=False)
    assert done.returncode == 0, done.stderr[-2000:]
    attempts = tmp_path / "attempts.log"
    assert not attempts.exists(), f"network used at import: {attempts.read_text()}"
    assert seconds < 10, f"import took {seconds:.1f} s"


def _can_unshare_network() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare_network(), reason="needs unshare --net (root)")
def test_imports_succeed_in_a_network_namespace_without_any_network(tmp_path):
    """With no network interface at all (only a down loopback), imports still succeed."""
    done, seconds = _import_offline(tmp_path, isolate=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert seconds < 10, f"import took {seconds:.1f} s"
