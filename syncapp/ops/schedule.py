"""Celery beat entries of the operations checks, merged into ``beat_schedule`` by the config.

``celery -A tasks beat`` (one per deployment) sends them; any worker runs them.
Tasks are named, not imported, so the config stays free of the tasks package.
"""

from __future__ import annotations

from syncapp.opsconfig import OpsSettings


def ops_beat_schedule(ops: OpsSettings) -> dict[str, dict]:
    schedule: dict[str, dict] = {
        "ops-check": {"task": "tasks.ops_check", "schedule": 60.0},
    }
    if ops.check_every > 0:
        schedule["drift-check"] = {"task": "tasks.drift_check", "schedule": ops.check_every * 60.0}
    return schedule
