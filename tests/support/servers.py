"""Start the project's own servers as real subprocesses for a test, and stop them.

Readiness is an explicit wait on a condition (the HTTP port answers), polled
with a deadline, never a fixed sleep.
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    condition, *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"
):
    """Poll ``condition()`` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
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
                raise RuntimeError(f"{name} exited early:\n{server.log()[-3000:]}")
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
