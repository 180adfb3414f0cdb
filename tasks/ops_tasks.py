"""Operations tasks: the scheduled checks (Celery beat, ``beat_schedule`` in
``syncapp.celery_config``) and the replay of parked records.

``tasks.replay_parked`` (sent by the web app when Salesforce is connected again):
the records parked for the lost connection, resynced.
``tasks.ops_check`` (every minute): dead letters waiting and a stalled sync queue
become alerts. ``tasks.drift_check`` (every ``CHECK_EVERY`` minutes): the
selector-drift walk in a browser of its own; the result goes to the status page,
the ``emr_sync_drift_check_ok`` gauge and, when it fails, an alert.
"""

from __future__ import annotations

import logging
import time

from syncapp.backend import choose
from syncapp.enqueue import REPLAY_TASK, Enqueuer
from syncapp.ops.broker import depths
from syncapp.ops.checks import queue_alerts, record_drift
from syncapp.settings import get_settings
from tasks import deadletter
from tasks.celery_app import app
from tasks.ops_hooks import ops

log = logging.getLogger(__name__)
OPS_CHECK = "tasks.ops_check"
DRIFT_CHECK = "tasks.drift_check"


@app.task(name=OPS_CHECK, ignore_result=True)
def ops_check() -> dict:
    o = ops()
    d = depths(choose(get_settings()))
    if not d.reachable:
        return {"broker": "unreachable"}
    for alert in queue_alerts(
        o.store,
        o.metrics.store,
        sync_depth=d.sync or 0,
        dead_depth=d.dead or 0,
        threshold=o.settings.alert_queue_age_seconds,
    ):
        o.alert(alert)
    return {"sync": d.sync, "dead": d.dead}


@app.task(name=DRIFT_CHECK, ignore_result=True, soft_time_limit=300)
def drift_check() -> dict:
    from portal_pages.drift_run import run_check

    o = ops()
    report = run_check(get_settings(), o.settings.check_emr_id).to_dict()
    alert = record_drift(o.store, o.metrics, report, time.time())
    if alert is not None:
        o.alert(alert)
    log.info(
        "drift check", extra={"step": "drift_check", "status": "ok" if report["ok"] else "drift"}
    )
    return {"ok": report["ok"], "missing": len(report["missing"])}


@app.task(name=REPLAY_TASK, ignore_result=True)
def replay_parked(kind: str) -> dict:
    """Every record parked in the dead-letter queue for ``kind`` (or not reported for it),
    resynced; letters of other kinds stay. Sent by the web app once Salesforce is connected
    again, so records parked while it could not be reached get their answer without a
    person running ``resync``."""
    parked = deadletter.drain(kinds={kind, deadletter.unreported(kind)})
    done = deadletter.enqueue_once((letter.record_id for letter in parked), Enqueuer(app))
    log.info("parked records resynced", extra={"step": "replay", "kind": kind, "count": len(done)})
    return {"replayed": len(done)}
