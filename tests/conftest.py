"""Suite-wide fixtures. Each area keeps its own fixtures in ``tests/<area>/conftest.py``.

The whole run gets its own queue names (``SYNC_QUEUE_PREFIX``), its own Redis
database and its own data directory, so a test run never consumes another's
messages, and servers started as subprocesses inherit the same isolation.
"""

from __future__ import annotations

import os
import tempfile
import uuid

import pytest

os.environ.setdefault("SYNC_QUEUE_PREFIX", f"test-{uuid.uuid4().hex[:8]}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("SYNC_DATA_DIR", tempfile.mkdtemp(prefix="sync-test-data-"))
os.environ.setdefault("SE_OFFLINE", "true")
# Production (the default) refuses to start without real secrets; tests are development.
os.environ.setdefault("SYNC_ENV", "development")

from syncapp.settings import get_settings  # noqa: E402
from tests.lanes import pytest_collection_modifyitems  # noqa: E402, F401


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    """The shared store in both of its forms: SQLite (embedded) and Redis (namespaced)."""
    from syncapp.kv import RedisStore, SQLiteStore
    from tests.support.services import require_redis

    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite")
    require_redis()
    return RedisStore(os.environ["REDIS_URL"], namespace=f"t{uuid.uuid4().hex[:6]}")


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are cached per process; every test starts from the environment it sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def pytest_sessionfinish(session, exitstatus):
    """Delete this run's queues and exchanges so that the shared broker stays clean."""
    prefix = os.environ["SYNC_QUEUE_PREFIX"]
    if not prefix.startswith("test-"):
        return
    from tests.support.broker import delete_queues

    delete_queues(
        prefix, os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    )
