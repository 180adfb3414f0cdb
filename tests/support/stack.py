"""Start and stop the whole stack as real processes: both sandboxes, the web app, workers, Flower.

The one process starter of the harness: ``make up`` / ``make down`` and ``make
demo`` (through ``scripts/``), the end-to-end tests and the benchmarks all use
``Stack``. Every process is a real subprocess in a session of its own with its
log in the run directory; readiness is an explicit wait on a condition, never
a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.servers import ROOT, ProcessExited, free_port, wait_until

PYTHON = sys.executable
SIGNING_SECRET = "sandbox-signing-secret"
EMR_USER, EMR_PASSWORD = "frontdesk", "demo-password"
SF_CLIENT_ID, SF_CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
SF_USER, SF_PASSWORD = "integration@clinic.example", "sandbox-password"


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
    org_id: str = ""  # the sandbox org's own id, read from it once it is up

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

    def celery(self, *args: str) -> subprocess.CompletedProcess:
        """``celery -A tasks ...`` as the operator runs it, with the stack's configuration."""
        return subprocess.run(
            [sys.executable, "-m", "celery", "-A", "tasks", *args],
            cwd=ROOT,
            env=self.service_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def service_env(self) -> dict[str, str]:
        """The environment of the web app and the workers, as a clinic would set it."""
        env = {
            "SF_LOGIN_URL": self.org_url,
            "SF_CLIENT_ID": SF_CLIENT_ID,
            "SF_CLIENT_SECRET": SF_CLIENT_SECRET,
            "SF_USERNAME": SF_USER,
            "SF_PASSWORD": SF_PASSWORD,
            "SF_REDIRECT_URI": f"{self.web_url}/oauth/callback",
            "SF_ALLOWED_ORG_IDS": self.org_id,
            "SF_SIGNING_SECRET": SIGNING_SECRET,
            "PUBLIC_BASE_URL": self.web_url,
            "EMR_URL": self.emr_url,
            "EMR_USERNAME": EMR_USER,
            "EMR_PASSWORD": EMR_PASSWORD,
            "SYNC_DATA_DIR": str(self.run_dir / "data"),
            "EMR_ARTIFACT_DIR": str(self.run_dir / "artifacts"),
            "SE_OFFLINE": "true",
            "PYTHONUNBUFFERED": "1",
            # Sandbox secrets: production (the default) would rightly refuse them.
            "SYNC_ENV": "development",
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
                raise ProcessExited(f"{name} exited early:\n{self.log(name)[-3000:]}")
            return requests.get(url, timeout=2, allow_redirects=False).status_code < 500

        wait_until(up, timeout=timeout, what=name, interval=0.1)

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
        # A fresh org database mints its own org id, as a real org has its own: the
        # web app is told to accept that org, as a clinic configures its org's id.
        self.org_id = requests.get(f"{self.org_url}/__sandbox__/info", timeout=5).json()["org_id"]

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
                raise ProcessExited(f"{name} exited early:\n{self.log(name)[-3000:]}")
            return " ready." in self.log(name)[offset:]

        wait_until(ready, timeout=60, what=name, interval=0.1)
        return proc

    def start_beat(self) -> subprocess.Popen:
        """Celery beat: sends ``tasks.sweep`` every ``SYNC_SWEEP_SECONDS`` (one per deployment)."""
        proc = self._spawn(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "tasks",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(self.run_dir / "beat-schedule"),
                "--pidfile=",
            ],
            self.service_env(),
        )

        def ready():
            if proc.poll() is not None:
                raise ProcessExited(f"beat exited early:\n{self.log('beat')[-3000:]}")
            return "beat: Starting" in self.log("beat")

        wait_until(ready, timeout=60, what="beat", interval=0.1)
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

    def start(
        self,
        *,
        workers: int = 1,
        flower_auth: str | None = None,
        beat: bool = False,
        sandbox_emr: bool = True,
    ) -> Stack:
        """Everything; ``beat`` adds the reconciliation sweep (``make up`` runs it).

        ``sandbox_emr=False`` when the EMR runs on its own (GNU Health, ``extra_env``
        pointing the workers at it): no stand-in is started beside it.
        """
        if sandbox_emr:
            self.start_emr()
        self.start_org()
        self.start_web()
        for i in range(workers):
            self.start_worker(f"worker{i + 1}" if workers > 1 else "worker")
        if beat:
            self.start_beat()
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
