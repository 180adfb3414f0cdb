"""Flower settings: ``celery -A tasks flower --conf=flowerconfig.py``.

Task arguments are Salesforce record ids by design and results hold ids and
field names only; ``format_task`` is a second guard for the UI, in case a
future task forgets: anything that is not an id or a field name is masked.
Basic auth comes from ``FLOWER_BASIC_AUTH`` (``user:password``), read here (and
accepted on the command line). In production (``SYNC_ENV``, the default) Flower
refuses to start without it, or with a default or short password, like the web
app and the worker (``syncapp.preflight``).
"""

import os
import re


def _preflight():
    from syncapp.preflight import enforce
    from syncapp.settings import get_settings

    enforce(get_settings(), "flower")


_preflight()
if os.environ.get("FLOWER_BASIC_AUTH"):
    basic_auth = [os.environ["FLOWER_BASIC_AUTH"]]

_SAFE = re.compile(r"^[\[\]()'\", ]*(?:[A-Za-z0-9]{15,18}|MRN-\d+)?[\[\]()'\", ]*$")

port = 5555
address = "127.0.0.1"
persistent = False
max_tasks = 10000
purge_offline_workers = 300
# The record id (the task's only argument) is what an operator searches for.
tasks_columns = "name,args,state,received,runtime,worker,uuid"


def _mask(text):
    if text is None:
        return None
    return text if _SAFE.match(str(text)) else "«hidden»"


def format_task(task):
    """Mask anything in a task that is not an id (runs on a copy of Flower's task)."""
    task.args = _mask(task.args)
    task.kwargs = "«hidden»" if task.kwargs not in (None, "{}") else task.kwargs
    if getattr(task, "traceback", None):
        task.traceback = "«hidden: see the worker's structured log»"
    return task
