"""``make up EMR_PORTAL=gnuhealth``: the stack with the real GNU Health as its EMR, then ``make down``.

``scripts.stack up`` runs as a person runs it (a subprocess, every port free
here), staff create one patient in the sandbox org, and the chart is checked in
GNU Health itself through its JSON-RPC, never through the adapter. ``down`` must
leave nothing running: not the stack's processes, not their children (the
worker's browser), not trytond, and no port open.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from sandbox.inspection import Sandboxes
from scripts.gnuhealth import chart
from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.rpc import Rpc
from scripts.gnuhealth.server import reset, stop
from tests.support import procs
from tests.support.bundles import without_ids
from tests.support.servers import ROOT, free_port, wait_until
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis

# On a fresh clone the first GNU Health user installs it (minutes on a loaded machine).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

SAMPLE = ROOT / "sandbox" / "samples" / "liam-st-james.json"
RUN = [sys.executable, "-m", "scripts.stack"]


def _closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def layout() -> Layout:
    """GNU Health on a port of its own, pristine (one chart after the sync) and stopped."""
    layout = Layout.from_env({"GNUHEALTH_PORT": str(free_port()), **os.environ})
    reset(layout)  # installs on first use
    stop(layout)  # so that ``make up`` has to start it
    return layout


def test_up_with_gnuhealth_syncs_into_it_and_down_stops_everything(layout, tmp_path):
    require_rabbitmq()
    require_redis()
    clear_redis_namespace()
    ports = {name: free_port() for name in ("WEB_PORT", "EMR_PORT", "ORG_PORT", "FLOWER_PORT")}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        **layout.env(),
        "EMR_PORTAL": "gnuhealth",
        "STACK_DIR": str(tmp_path / "up"),
        "FLOWER_BASIC_AUTH": "ops:flower-pw",
        "SYNC_BACKEND": "external",
    }
    tree: set[int] = set()
    started = subprocess.run(
        [*RUN, "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr[-3000:]
        banner = started.stdout
        assert f"{layout.url}#{layout.database}" in banner
        assert f"login admin / {layout.password}" in banner
        assert "sandbox EMR portal" not in banner and _closed(ports["EMR_PORT"])

        org = Sandboxes(f"http://127.0.0.1:{ports['ORG_PORT']}", "http://127.0.0.1:1")
        bundle = without_ids(json.loads(SAMPLE.read_text()))
        bundle["insurance"] = bundle["insurance"][:1]  # one insurer shows the payer map; cheaper
        record_id = org.create_patient(bundle)["id"]
        record = wait_until(
            lambda: (
                (r := org.sf_patient(record_id))["sync"]["status"] in ("Synced", "Failed") and r
            ),
            timeout=240,
            interval=0.5,
            what="the patient to sync into GNU Health",
        )
        assert record["sync"]["status"] == "Synced", record["sync"]
        mrn = record["sync"]["emr_patient_id"]

        rpc = Rpc(layout)
        assert chart.puids(rpc) == [mrn]  # the EMR's own truth: one chart, this one
        want, have = chart.expected(record), chart.stored(rpc, mrn)
        assert {k: have.get(k, "") for k in want} == want

        pids = json.loads((tmp_path / "up" / "stack.json").read_text())
        assert {"web", "worker", "org", "beat", "flower"} <= pids.keys() and "emr" not in pids
        trytond = int(layout.pidfile.read_text())
        for pid in (*pids.values(), trytond):
            tree |= {pid, *procs.descendants(pid)}
        assert len(tree) > len(pids) + 1  # the worker's browser is in it
    finally:
        down = subprocess.run(
            [*RUN, "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    assert down.returncode == 0, down.stdout + down.stderr
    wait_until(
        lambda: not [p for p in tree if procs.alive(p)],
        timeout=30,
        what="every process make up started (and their children) to exit",
    )
    assert "stopped GNU Health" in down.stdout
    for port in (*ports.values(), layout.port):
        assert _closed(port), f"port {port} still open after make down"
    assert not layout.pidfile.exists()
