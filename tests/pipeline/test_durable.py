"""Acknowledge only what is durable (issue 10, findings 1, 5, 7 and 8), on real RabbitMQ/Redis.

An outage is a redis-server of the test's own that the test stops, or a broker URL
on a port where nothing listens: never the machine's services.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from syncapp import keys
from syncapp.backend import open_store, resolve
from syncapp.enqueue import celery_for
from syncapp.kv import LockNotAcquired
from syncapp.settings import Settings
from tasks import holders, policy
from tasks.resources import Resources
from tasks.sync import _chart_lock
from tests.pipeline.conftest import SIGNING_SECRET
from tests.pipeline.own_redis import own_redis
from tests.support.broker import queue_depth
from tests.support.salesforce_messages import ORG_ID, outbound_message, sf_id
from tests.support.servers import wait_until

DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1//"


def _settings(**overrides) -> Settings:
    base = {
        "sync_env": "development",
        "sync_backend": "external",
        "sf_allowed_org_ids": ORG_ID,
        "sf_signing_secret": SIGNING_SECRET,
    }
    return Settings(**{**base, **overrides})


def _app(settings: Settings):
    from syncapp.web.app import create_app

    return create_app(settings=settings, backend=resolve(settings)).test_client()


def _post(client, n: int):
    body = outbound_message([(sf_id(n, "04l"), sf_id(n))])
    return client.post("/salesforce/outbound-message", data=body, content_type="text/xml")


# --- 1: one backend per process, never the embedded files in production -----------------
def test_production_never_falls_back_to_files_when_redis_is_down(tmp_path):
    dead = f"redis://127.0.0.1:{_free_dead_port()}/0"
    settings = Settings(sync_env="production", sync_backend="auto", redis_url=dead)
    backend = resolve(settings)
    assert backend.kind == "external" and backend.redis_url == dead


def test_the_publisher_uses_the_processs_backend_whatever_the_environment_says(monkeypatch):
    """Celery prefers $CELERY_BROKER_URL: the web app's markers went to SQLite, its jobs not."""
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    embedded = resolve(_settings(sync_backend="embedded"))
    with celery_for(embedded).connection_for_write() as conn:
        assert conn.transport_cls.startswith("sqla"), conn.as_uri()


def test_redis_down_means_503_and_nothing_published(services, tmp_path):
    with own_redis(tmp_path) as redis_server:
        client = _app(_settings(redis_url=redis_server.url))
        assert _post(client, 31).status_code == 200
        assert queue_depth(services.SYNC_QUEUE) == 1
        redis_server.stop()
        resp = _post(client, 32)
        assert resp.status_code == 503
        assert b"<Ack>true</Ack>" not in resp.data
        assert queue_depth(services.SYNC_QUEUE) == 1  # nothing published for the refused one


# --- 8: readiness follows the broker and Redis; liveness does not ----------------------
def test_readyz_is_503_while_redis_is_down_and_healthz_stays_200(services, tmp_path):
    with own_redis(tmp_path) as redis_server:
        client = _app(_settings(redis_url=redis_server.url))
        assert client.get("/readyz").status_code == 200
        redis_server.stop()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.get_json()["checks"] == {"store": False, "broker": True}
        assert client.get("/healthz").status_code == 200
        redis_server.start()
        assert client.get("/readyz").status_code == 200


def test_readyz_is_503_while_the_broker_is_unreachable(services):
    client = _app(_settings(celery_broker_url=DEAD_BROKER))
    start = time.monotonic()
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"] == {"store": True, "broker": False}
    assert time.monotonic() - start < 10
    assert client.get("/healthz").status_code == 200


# --- 7: retries outlast a realistic outage ------------------------------------------------
def test_default_retries_span_at_least_fifteen_minutes():
    settings = Settings()
    assert policy.shortest_retry_span(settings) >= 15 * 60
    for _ in range(200):  # the jitter never shortens it below that
        spent = sum(policy.backoff(settings, i) for i in range(settings.sync_max_retries))
        assert spent >= 15 * 60
        assert max(policy.backoff(settings, i) for i in range(20)) <= 600


# --- 5: a dead holder's lock is taken over; a live one's is not waited for ----------------
def _resources(settings: Settings) -> Resources:
    store = open_store(resolve(settings), settings)
    return Resources(settings, store, salesforce=None, slots=None)  # type: ignore[arg-type]


def _free_dead_port() -> int:
    from tests.support.servers import free_port

    return free_port()


def test_a_lock_whose_holder_died_is_taken_over_at_once(services):
    res = _resources(_settings())
    record = sf_id(51)
    gone = subprocess.Popen(["true"])
    gone.wait()
    res.store.set(keys.lock(record), f"{holders.HOST}:{gone.pid}:job-of-a-killed-worker", ttl=900)
    start = time.monotonic()
    with _chart_lock(res, record, "a-new-job"):
        held = res.store.get(keys.lock(record)).decode()
    assert held.endswith(":a-new-job")
    assert time.monotonic() - start < 5  # not a lease's wait (generous: CI machines are loaded)
    assert res.store.get(keys.lock(record)) is None


def test_a_live_holders_lock_is_not_waited_for(services):
    res = _resources(_settings())
    record = sf_id(52)
    res.store.set(keys.lock(record), holders.identity("a-running-job"), ttl=900)
    start = time.monotonic()
    try:
        with _chart_lock(res, record, "another-job"):
            raise AssertionError("took a lock a live job holds")
    except LockNotAcquired:
        pass
    assert time.monotonic() - start < 5  # requeued with a countdown, the worker not parked
    res.store.delete(keys.lock(record))


# --- nothing marked seen unless everything is durable --------------------------------
@pytest.mark.services  # runs a redis-server of its own
def test_a_store_outage_mid_request_leaves_nothing_marked_seen(tmp_path):
    """Old: the seen marker was written first; its rollback failed; Salesforce's retry
    was then acknowledged as a duplicate with no job behind it."""
    from syncapp import intake
    from syncapp.errors import EnqueueFailed
    from syncapp.kv import RedisStore

    with own_redis(tmp_path, durable=True) as redis_server:
        store = RedisStore(redis_server.url, namespace="t")
        record = sf_id(71)

        def broker_and_store_go_down(record_id: str, job_id: str) -> str:
            redis_server.stop()  # the store goes away: no rollback can reach it
            raise EnqueueFailed("broker did not accept the job")

        with pytest.raises(EnqueueFailed):
            intake.accept([("00D:n1", record)], store=store, enqueue=broker_and_store_go_down)
        redis_server.start()  # back, with everything that was written before (AOF)
        assert store.get(keys.queued(record)) is not None  # what could not be rolled back
        assert store.get(keys.seen("00D:n1")) is None
        # A queued marker the rollback could not remove expires within minutes.
        ttl_ms = store.client.pttl(f"t:{keys.queued(record)}")
        assert ttl_ms == -2 or 0 < ttl_ms <= 10 * 60 * 1000
        # Salesforce's retry is a new delivery, not a duplicate.
        [outcome] = intake.accept([("00D:n1", record)], store=store, enqueue=lambda r, j: j)
        assert not outcome.duplicate


def test_a_live_jobs_lease_is_renewed_and_a_dead_holders_elsewhere_lapses(store):
    """The lease is short (here 3 s): a live job keeps its lock however long it runs; the
    lock of a worker that died on another host (nobody renews it) frees within a lease."""
    settings = _settings(sync_lock_seconds=3)
    res = Resources(settings, store, salesforce=None, slots=None)  # type: ignore[arg-type]
    record = sf_id(53)
    start = time.monotonic()
    with _chart_lock(res, record, "a-long-job"):
        while time.monotonic() - start < 3 * 3:  # three leases: watched the whole time
            assert holders.tag_of(store.get(keys.lock(record))) == "a-long-job"
            time.sleep(0.2)  # poll interval while watching a property, not a sync point
    assert store.get(keys.lock(record)) is None

    store.set(keys.lock(record), "another-host:4242:a-dead-job", ttl=3)
    with pytest.raises(LockNotAcquired):
        with _chart_lock(res, record, "a-new-job"):
            pass

    def free_again() -> bool:
        try:
            with _chart_lock(res, record, "a-new-job"):
                return True
        except LockNotAcquired:
            return False

    wait_until(free_again, timeout=3 + 2, what="the dead holder's lease to lapse")
