"""``make demo``: the whole flow, end to end, on one machine, then everything stopped.

Starts the sandbox EMR portal, the sandbox Salesforce org, the web app and one
worker (on RabbitMQ + Redis when reachable, else on the embedded SQLite
default), creates five patients in the org as staff would, waits for each to
reach the EMR, prints what happened, updates one patient to show that only the
changed field is written, and exits 0 only if every record is verified in both
sandboxes.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from sandbox.inspection import Sandboxes
from tests.support.broker import delete_queues
from tests.support.fixtures import normalise, with_ids, without_ids
from tests.support.servers import ROOT
from tests.support.stack import Ports, Stack

SAMPLES = ROOT / "sandbox" / "samples"
TIMEOUT = float(os.environ.get("DEMO_TIMEOUT", 240))


def _samples() -> list[dict]:
    files = sorted(SAMPLES.glob("*.json"))
    if len(files) < 5:
        raise SystemExit(f"need five sample bundles in {SAMPLES}, found {len(files)}")
    return [without_ids(json.loads(p.read_text())) for p in files[:5]]


def _bar(done: int, total: int, elapsed: float) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stdout.write(
        f"\r  syncing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {elapsed:5.1f}s"
    )
    sys.stdout.flush()


class Demo(Sandboxes):
    def __init__(self, stack: Stack) -> None:
        super().__init__(stack.org_url, stack.emr_url)
        self.stack = stack
        self.gnuhealth = _gnuhealth()  # EMR_PORTAL=gnuhealth: the real GNU Health is the EMR

    def wait(
        self, record_ids: list[str], *, since_callbacks: int, started: dict[str, float]
    ) -> dict:
        """Wait until each record has a callback after ``since_callbacks``; show progress."""
        finished: dict[str, float] = {}
        t0 = time.monotonic()
        while len(finished) < len(record_ids):
            for cb in self.callbacks()[since_callbacks:]:
                rid = cb["body"].get("recordId")
                if rid in record_ids and rid not in finished:
                    finished[rid] = time.monotonic() - started[rid]
            _bar(len(finished), len(record_ids), time.monotonic() - t0)
            if time.monotonic() - t0 > TIMEOUT:
                print()
                raise SystemExit(f"timed out: {len(finished)}/{len(record_ids)} synced")
            time.sleep(0.25)  # progress-bar refresh while the worker syncs
        print()
        return finished

    def verify(self, record_id: str) -> tuple[bool, str]:
        record = self.sf_patient(record_id)
        mrn = record["sync"]["emr_patient_id"]
        if record["sync"]["status"] != "Synced" or not mrn:
            return False, f"status {record['sync']['status']}: {record['sync'].get('error')}"
        if self.gnuhealth is not None:
            return self.gnuhealth.verify(record, mrn)
        chart = next((c for c in self.charts() if c["emr_patient_id"] == mrn), None)
        if chart is None:
            return False, "no chart in the EMR"
        if normalise(chart) != normalise(record):
            return False, "chart differs from the Salesforce record"
        return True, mrn


def run(stack: Stack) -> int:
    demo = Demo(stack)
    bundles = _samples()
    print("\n1. Staff create five patients in Salesforce (the sandbox org).")
    started, created = {}, []
    for bundle in bundles:
        ids = demo.create_patient(bundle)
        started[ids["id"]] = time.monotonic()
        created.append((ids, bundle))
    ids_list = [ids["id"] for ids, _ in created]
    secs = demo.wait(ids_list, since_callbacks=0, started=started)

    writes = demo.writes()
    ok_all = True
    print(
        "\n   (seconds: from the save in Salesforce to the callback; one worker syncs in turn)\n"
        f"   {'Salesforce id':<20} {'EMR MRN':<12} {'fields written':>14} {'seconds':>8}  verified"
    )
    for record_id in ids_list:
        ok, detail = demo.verify(record_id)
        ok_all &= ok
        mrn = detail if ok else "-"
        count = sum(1 for w in writes if w["emr_patient_id"] == mrn) if not demo.gnuhealth else "-"
        print(
            f"   {record_id:<20} {mrn:<12} {count:>14} {secs[record_id]:>8.1f}  {'yes' if ok else 'NO: ' + detail}"
        )

    if demo.gnuhealth is not None:
        return _gnuhealth_update(demo, created, ok_all)
    print("\n2. Staff change one guardian's phone number on the first patient.")
    ids, bundle = created[0]
    update = with_ids(bundle, ids)
    update["guardians"][0]["phone"] = "(555) 010-9999"
    before_writes = len(demo.writes())
    before_callbacks = len(demo.callbacks())
    started = {ids["id"]: time.monotonic()}
    demo.create_patient(update)
    demo.wait([ids["id"]], since_callbacks=before_callbacks, started=started)
    new = demo.writes()[before_writes:]
    ok, detail = demo.verify(ids["id"])
    ok_all &= ok
    fields = [f"{w['section']}.{w['field']}" for w in new]
    print(f"   fields written in the EMR: {fields or 'none'}")
    only_one = fields == ["guardians.phone"]
    ok_all &= only_one
    print(f"   only the changed field was written: {'yes' if only_one else 'NO'}")

    print(
        f"\n{'OK' if ok_all else 'FAILED'}: {len(ids_list)} patients verified in Salesforce and the EMR"
        if ok_all
        else "\nFAILED: see above; logs are in " + str(stack.run_dir)
    )
    return 0 if ok_all else 1


def main() -> int:
    import logging

    from syncapp.backend import choose
    from syncapp.settings import get_settings

    logging.getLogger("syncapp.backend").setLevel(logging.ERROR)  # we say it ourselves, below
    run_dir = Path(tempfile.mkdtemp(prefix="sf-emr-sync-demo-"))
    os.environ.setdefault("SYNC_DATA_DIR", str(run_dir / "data"))
    get_settings.cache_clear()
    backend = choose(get_settings())
    if backend.embedded:
        print("backend: embedded default (SQLite broker and store) - RabbitMQ/Redis not reachable.")
        print(
            "         For demos and trials only: a job running when the worker is SIGKILLed is lost."
        )
    else:
        print("backend: RabbitMQ + Redis")
    os.environ.setdefault("SYNC_QUEUE_PREFIX", f"demo-{os.getpid()}")
    gnuhealth = _gnuhealth()
    emr_env = gnuhealth.prepare() if gnuhealth is not None else {}
    stack = Stack(
        run_dir,
        Ports.free(),
        extra_env={
            "SYNC_BACKEND": backend.kind,
            "SYNC_QUEUE_PREFIX": os.environ["SYNC_QUEUE_PREFIX"],
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "LOG_LEVEL": "INFO",
            **emr_env,
        },
    )
    print(f"logs: {run_dir}")
    try:
        print("starting: sandbox EMR portal, sandbox Salesforce org, web app, one worker ...")
        stack.start()
        print(f"  EMR {stack.emr_url}  org {stack.org_url}  web {stack.web_url}")
        return run(stack)
    finally:
        stack.stop()
        _cleanup_queues(backend)
        print("stopped everything the demo started.")
        if gnuhealth is not None:
            print("GNU Health keeps running with the demo's patients: make gnuhealth-stop")


def _gnuhealth():
    if os.environ.get("EMR_PORTAL") != "gnuhealth":
        return None
    from scripts.gnuhealth.demo import GnuHealthDemo

    return GnuHealthDemo()


def _gnuhealth_update(demo: Demo, created: list, ok_all: bool) -> int:
    """GNU Health stores no guardians: staff change the first patient's phone instead."""
    print("\n2. Staff change the first patient's phone number.")
    ids, bundle = created[0]
    update = with_ids(bundle, ids)
    update["patient"]["phone"] = "(555) 010-9999"
    mrn = demo.sf_patient(ids["id"])["sync"]["emr_patient_id"]
    before, before_callbacks = demo.gnuhealth.stored(mrn), len(demo.callbacks())
    demo.create_patient(update)
    demo.wait([ids["id"]], since_callbacks=before_callbacks, started={ids["id"]: time.monotonic()})
    after = demo.gnuhealth.stored(mrn)
    fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    ok, detail = demo.verify(ids["id"])
    print(f"   fields changed in GNU Health: {fields or 'none'}")
    only_one = ok and fields == ["demographics.phone"]
    print(f"   only the changed field was written: {'yes' if only_one else 'NO: ' + detail}")
    ok_all &= only_one
    print(f"\n{'OK' if ok_all else 'FAILED'}: {len(created)} patients checked in GNU Health")
    return 0 if ok_all else 1


def _cleanup_queues(backend) -> None:
    """Delete the demo's own queues so a shared RabbitMQ stays clean."""
    if backend.embedded:
        return
    if not delete_queues(os.environ["SYNC_QUEUE_PREFIX"], backend.broker_url):
        print("  (could not delete the demo's queues)")


if __name__ == "__main__":
    sys.exit(main())
