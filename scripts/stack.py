"""Start and stop the whole local stack: both sandboxes, the web app, workers, Flower.

Used by ``make demo`` (start, run, stop), ``make up`` / ``make down`` (leave it
running on fixed ports) and the end-to-end tests (free ports, one stack per
test module). Every process is a real subprocess with its log in the run
directory; readiness is an explicit wait on a condition, never a fixed sleep.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORG_ID = "00D5g000004CDEFEA4"
SIGNING_SECRET = "sandbox-signing-secret"
EMR_USER, EMR_PASSWORD = "frontdesk", "demo-password"
SF_CLIENT_ID, SF_CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
SF_USER, SF_PASSWORD = "integration@clinic.example", "sandbox-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition`` until truthy; a deadline, never a blind sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (requests.RequestException, OSError):
            pass  # not up yet
        time.sleep(interval)  # poll interval
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Ports:
    web: int
    emr: int
    org: int
    flower: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port())

    @classmethod
    def fixed(cls) -> Ports:
        env = os.environ
        return cls(
            int(env.get("WEB_PORT", 8000)),
            int(env.get("EMR_PORT", 8001)),
            int(env.get("ORG_PORT", 8002)),
            int(env.get("FLOWER_PORT", 5555)),
        )


@dataclass
class Stack:
    run_dir: Path
    ports: Ports
    notify: str = "outbound-message"  # or "apex-callout"
    extra_env: dict[str, str] = field(default_factory=dict)
    emr_env: dict[str, str] = field(default_factory=dict)
    org_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def emr_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.emr}"

    @property
    def org_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.org}"

    @property
    def flower_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.flower}"

    def service_env(self) -> dict[str, str]:
        """The environment of the web app and the workers, as a clinic would set it."""
        env = {
            "SF_LOGIN_URL": self.org_url,
            "SF_CLIENT_ID": SF_CLIENT_ID,
            "SF_CLIENT_SECRET": SF_CLIENT_SECRET,
            "SF_USERNAME": SF_USER,
            "SF_PASSWORD": SF_PASSWORD,
            "SF_REDIRECT_URI": f"{self.web_url}/oauth/callback",
            "SF_ALLOWED_ORG_IDS": ORG_ID,
            "SF_SIGNING_SECRET": SIGNING_SECRET,
            "PUBLIC_BASE_URL": self.web_url,
            "EMR_URL": self.emr_url,
            "EMR_USERNAME": EMR_USER,
            "EMR_PASSWORD": EMR_PASSWORD,
            "SYNC_DATA_DIR": str(self.run_dir / "data"),
            "EMR_ARTIFACT_DIR": str(self.run_dir / "artifacts"),
            "SE_OFFLINE": "true",
            "PYTHONUNBUFFERED": "1",
        }
        return {**os.environ, **env, **self.extra_env}

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _wait_http(self, name: str, url: str, timeout: float = 30) -> None:
        proc = self.processes[name]

        def up():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log(name)[-3000:]}")
            return requests.get(url, timeout=2, allow_redirects=False).status_code < 500

        wait_for(up, timeout=timeout, what=name)

    # --- the pieces ---------------------------------------------------------------------
    def start_emr(self) -> None:
        env = {
            **os.environ,
            "EMR_SANDBOX_DB": str(self.run_dir / "emr.sqlite"),
            "EMR_SANDBOX_USERNAME": EMR_USER,
            "EMR_SANDBOX_PASSWORD": EMR_PASSWORD,
            **self.emr_env,
        }
        self._spawn("emr", [PYTHON, "-m", "sandbox.emr_portal", "--port", str(self.ports.emr)], env)
        self._wait_http("emr", f"{self.emr_url}/login")

    def start_org(self) -> None:
        env = {
            **os.environ,
            "SF_SANDBOX_DB": str(self.run_dir / "org.sqlite"),
            "SF_SANDBOX_ORG_ID": ORG_ID,
            "SF_SANDBOX_CLIENT_ID": SF_CLIENT_ID,
            "SF_SANDBOX_CLIENT_SECRET": SF_CLIENT_SECRET,
            "SF_SANDBOX_USERNAME": SF_USER,
            "SF_SANDBOX_PASSWORD": SF_PASSWORD,
            "SF_SANDBOX_NOTIFY": self.notify,
            "SF_SANDBOX_WEBHOOK_URL": f"{self.web_url}/salesforce/outbound-message",
            "SF_SANDBOX_EVENTS_URL": f"{self.web_url}/salesforce/events",
            "SF_SANDBOX_SIGNING_SECRET": SIGNING_SECRET,
            "SF_SANDBOX_RETRY_BASE_SECONDS": "0.5",
            "SF_SANDBOX_REDIRECT_URIS": f"{self.web_url}/oauth/callback",
            **self.org_env,
        }
        self._spawn(
            "org", [PYTHON, "-m", "sandbox.salesforce_org", "--port", str(self.ports.org)], env
        )
        self._wait_http("org", f"{self.org_url}/services/data/")

    def start_web(self) -> None:
        self._spawn(
            "web", [PYTHON, "-m", "syncapp", "--port", str(self.ports.web)], self.service_env()
        )
        self._wait_http("web", f"{self.web_url}/healthz")

    def start_worker(self, name: str = "worker", concurrency: int = 1) -> subprocess.Popen:
        env = self.service_env()
        prefix = env.get("SYNC_QUEUE_PREFIX", "emr")
        proc = self._spawn(
            name,
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "-l",
                "INFO",
                "-Q",
                f"{prefix}.sync,{prefix}.report",
                "-c",
                str(concurrency),
                "-n",
                f"{name}-{os.getpid()}@%h",
                "-E",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )
        offset = 0

        def ready():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log(name)[-3000:]}")
            return " ready." in self.log(name)[offset:]

        wait_for(ready, timeout=60, what=name)
        return proc

    def start_flower(self, basic_auth: str) -> None:
        env = self.service_env()
        self._spawn(
            "flower",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "tasks",
                "flower",
                f"--port={self.ports.flower}",
                "--address=127.0.0.1",
                f"--basic-auth={basic_auth}",
                "--conf=flowerconfig.py",
                "--persistent=False",
            ],
            env,
        )
        self._wait_http("flower", f"{self.flower_url}/healthcheck", timeout=60)

    def start(self, *, workers: int = 1, flower_auth: str | None = None) -> Stack:
        self.start_emr()
        self.start_org()
        self.start_web()
        for i in range(workers):
            self.start_worker(f"worker{i + 1}" if workers > 1 else "worker")
        if flower_auth:
            self.start_flower(flower_auth)
        return self

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_process(name)

    def write_pidfile(self) -> Path:
        path = self.run_dir / "stack.json"
        path.write_text(json.dumps({n: p.pid for n, p in self.processes.items()}))
        return path


def _up() -> int:
    import logging

    from syncapp.backend import get_backend

    logging.getLogger("syncapp.backend").setLevel(logging.ERROR)  # said below, in plain words
    run_dir = _up_dir()
    if (run_dir / "stack.json").exists():
        print(f"already up (see {run_dir / 'stack.json'}); run 'make down' first")
        return 1
    ports = Ports.fixed()
    auth = os.environ.get("FLOWER_BASIC_AUTH", "admin:change-me")
    backend = get_backend()
    kind = "RabbitMQ + Redis" if not backend.embedded else "embedded SQLite default"
    print(f"backend: {kind}")
    stack = Stack(run_dir, ports, extra_env={"SYNC_BACKEND": backend.kind})
    try:
        stack.start(flower_auth=auth)
    except BaseException:
        stack.stop()
        raise
    stack.write_pidfile()
    user, _, password = auth.partition(":")
    print(f"""
sf-emr-sync is running (logs in {run_dir}):
  web app (webhooks, /oauth/login)  {stack.web_url}
  sandbox EMR portal                {stack.emr_url}   login {EMR_USER} / {EMR_PASSWORD}
  sandbox Salesforce org            {stack.org_url}/lightning/o/Patient__c/list
  Flower                            {stack.flower_url}   login {user} / {password}
Create a patient:  curl -X POST {stack.org_url}/__sandbox__/patients -H 'Content-Type: application/json' -d @sandbox/samples/<file>.json
Stop everything:   make down""")
    return 0


def _up_dir() -> Path:
    return Path(os.environ.get("STACK_DIR", ROOT / ".data" / "up"))


def _down() -> int:
    path = _up_dir() / "stack.json"
    if not path.exists():
        print("nothing to stop")
        return 0
    for name, pid in json.loads(path.read_text()).items():
        try:
            os.killpg(pid, signal.SIGTERM)
            print(f"stopped {name}")
        except ProcessLookupError:
            pass
    path.unlink()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stack")
    parser.add_argument("command", choices=["up", "down"])
    args = parser.parse_args()
    return _up() if args.command == "up" else _down()


if __name__ == "__main__":
    sys.exit(main())
