"""The harness's waiting, ports and single-server processes.

``wait_until`` is the one poll-with-a-deadline of the tests, the benchmarks and
the scripts; ``run_server`` starts one of the project's servers as a real
subprocess for a test. Readiness is an explicit wait on a condition (the HTTP
port answers), never a fixed sleep.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """``python -m <args>`` from the repository, as a user runs a CLI; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessExited(RuntimeError):
    """Raised by a condition to stop waiting at once: what it waits for can never happen."""


def wait_until(
    condition, *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"
):
    """Poll ``condition()`` until it returns a truthy value or the deadline passes.

    Errors raised by the condition count as "not yet" (a server still starting
    refuses connections), except ``ProcessExited``, which ends the wait.
    """
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except ProcessExited:
            raise
        except Exception as exc:  # noqa: BLE001 - polling tolerates transient errors
            last_exc = exc
        time.sleep(interval)  # poll interval with a deadline, not synchronisation by sleep
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from last_exc


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def run_server(
    module_args: Sequence[str],
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    ready_path: str = "/",
    log_dir: Path,
    name: str = "server",
    timeout: float = 30.0,
) -> Iterator[Server]:
    """Run ``python -m <module_args> --port PORT`` until the block exits."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", *module_args, "--port", str(port)],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = Server(url=url, port=port, process=proc, log_path=log_path)
    try:

        def ready():
            if proc.poll() is not None:
                raise ProcessExited(f"{name} exited early:\n{server.log()[-3000:]}")
            return (
                requests.get(url + ready_path, timeout=1, allow_redirects=False).status_code < 500
            )

        wait_until(ready, timeout=timeout, what=f"{name} on port {port}")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
