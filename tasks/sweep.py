"""``tasks.sweep``: one reconciliation pass, sent by Celery beat every ``SYNC_SWEEP_SECONDS``.

The logic lives in ``syncapp.sweep``; this wires it to the worker process's
resources (store, Salesforce client) and publishes found records by task name
through the same coalescing intake as a notification. Returns counts only.
"""

from __future__ import annotations

from syncapp.enqueue import Enqueuer
from syncapp.field_map import get_field_map
from syncapp.sweep import SweepConfig, Sweeper
from tasks import resources
from tasks.celery_app import app

SWEEP_TASK = "tasks.sweep"


@app.task(name=SWEEP_TASK, ignore_result=True, acks_late=False)
def sweep() -> dict:
    """One pass; a failed pass is simply the next beat's work (the watermark did not move)."""
    r = resources.get()
    sweeper = Sweeper(
        lambda soql: r.salesforce.query(soql, step="sweep"),
        r.store,
        Enqueuer(app),
        get_field_map(),
        SweepConfig.from_settings(r.settings),
        query_all=lambda soql: r.salesforce.query(soql, step="sweep", include_deleted=True),
    )
    return sweeper.run_pass().as_dict()
