"""``celery -A tasks`` reads its settings from this module name: they live in the core.

The settings are ``syncapp.celery_config``, shared by the workers' app and the web
app's publisher (``syncapp.enqueue``); this module only gives them the name Celery
tools and operators look for.
"""

from syncapp.celery_config import *  # noqa: F403
from syncapp.celery_config import (  # noqa: F401 - the names other modules use
    _QUORUM,
    DEAD_QUEUE,
    DEAD_WATCH_QUEUE,
    REPORT_QUEUE,
    SYNC_QUEUE,
    backend_config,
    dead_exchange,
    task_exchange,
)
