"""``make up`` / ``make down``: leave the whole stack running on fixed ports, then stop it.

The processes are started by the harness's ``Stack`` (``tests/support/stack.py``),
the same starter the demo, the end-to-end tests and the benchmarks use. With
``EMR_PORTAL=gnuhealth`` the EMR is the real GNU Health (installed on first use,
started, left with its data) instead of the sandbox portal; ``gnuhealth.json``
in the run directory says which one, so ``make down`` stops it too.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from tests.support.servers import ROOT
from tests.support.stack import EMR_PASSWORD, EMR_USER, Ports, Stack

GNUHEALTH_FILE = "gnuhealth.json"  # the Layout (GNUHEALTH_* variables) of a GNU Health we run


def _up() -> int:
    import logging

    from syncapp.backend import choose
    from syncapp.settings import get_settings

    logging.getLogger("syncapp.backend").setLevel(logging.ERROR)  # said below, in plain words
    run_dir = _up_dir()
    if (run_dir / "stack.json").exists():
        print(f"already up (see {run_dir / 'stack.json'}); run 'make down' first")
        return 1
    ports = Ports.fixed()
    auth = os.environ.get("FLOWER_BASIC_AUTH", "admin:change-me")
    backend = choose(get_settings())
    kind = "RabbitMQ + Redis" if not backend.embedded else "embedded SQLite default"
    print(f"backend: {kind}")
    gnuhealth = _gnuhealth_up(run_dir)
    emr_env = gnuhealth.worker_env() if gnuhealth else {}
    stack = Stack(run_dir, ports, extra_env={"SYNC_BACKEND": backend.kind, **emr_env})
    try:
        stack.start(flower_auth=auth, beat=True, sandbox_emr=gnuhealth is None)
    except BaseException:
        stack.stop()
        _gnuhealth_down(run_dir)
        raise
    stack.write_pidfile()
    user, _, password = auth.partition(":")
    emr = (
        f"GNU Health 5.0 (the EMR)          {gnuhealth.url}#{gnuhealth.database}"
        f"   login admin / {gnuhealth.password}"
        if gnuhealth
        else f"sandbox EMR portal                {stack.emr_url}   login {EMR_USER} / {EMR_PASSWORD}"
    )
    print(f"""
sf-emr-sync is running (logs in {run_dir}):
  web app (webhooks, /oauth/login)  {stack.web_url}
  {emr}
  sandbox Salesforce org            {stack.org_url}/lightning/o/Patient__c/list
  Flower                            {stack.flower_url}   login {user} / {password}
  Celery beat: a reconciliation sweep every SYNC_SWEEP_SECONDS (default 300)
Create a patient:  curl -X POST {stack.org_url}/__sandbox__/patients -H 'Content-Type: application/json' -d @sandbox/samples/<file>.json
Stop everything:   make down""")
    return 0


def _gnuhealth_up(run_dir: Path):
    """``EMR_PORTAL=gnuhealth``: install if needed and start GNU Health; None otherwise."""
    if os.environ.get("EMR_PORTAL") != "gnuhealth":
        return None
    from scripts.gnuhealth.layout import Layout
    from scripts.gnuhealth.server import up

    layout = Layout.from_env()
    print(f"GNU Health: installing if needed, starting ({layout.dir}) ...", flush=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / GNUHEALTH_FILE).write_text(json.dumps(layout.env()))
    try:
        up(layout)
    except BaseException:
        _gnuhealth_down(run_dir)
        raise
    return layout


def _gnuhealth_down(run_dir: Path) -> None:
    """Stop the GNU Health ``make up`` started (its layout is in the run directory)."""
    path = run_dir / GNUHEALTH_FILE
    if not path.exists():
        return
    from scripts.gnuhealth.layout import Layout
    from scripts.gnuhealth.server import stop

    stop(Layout.from_env(json.loads(path.read_text())))
    path.unlink()
    print("stopped GNU Health")


def _up_dir() -> Path:
    return Path(os.environ.get("STACK_DIR", ROOT / ".data" / "up"))


def _down() -> int:
    run_dir = _up_dir()
    path = run_dir / "stack.json"
    if not path.exists() and not (run_dir / GNUHEALTH_FILE).exists():
        print("nothing to stop")
        return 0
    if path.exists():
        for name, pid in json.loads(path.read_text()).items():
            try:
                os.killpg(pid, signal.SIGTERM)
                print(f"stopped {name}")
            except ProcessLookupError:
                pass
        path.unlink()
    _gnuhealth_down(run_dir)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stack")
    parser.add_argument("command", choices=["up", "down"])
    args = parser.parse_args()
    return _up() if args.command == "up" else _down()


if __name__ == "__main__":
    sys.exit(main())
