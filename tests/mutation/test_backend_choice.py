"""Backend choice (syncapp.backend): what each setting resolves to, against real ports.

RabbitMQ and Redis run on their default ports on this machine; a closed port is
the "unreachable" case (no mock of either)."""

from __future__ import annotations

import socket

import pytest

from syncapp.backend import Backend, open_store, resolve
from syncapp.kv import RedisStore, SQLiteStore
from syncapp.settings import Settings

pytestmark = pytest.mark.services

CLOSED = "amqp://guest:guest@127.0.0.1:1//"


def _settings(tmp_path, **kw) -> Settings:
    base = {"sync_env": "development", "sync_data_dir": tmp_path}
    return Settings(**(base | kw))


def _open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_embedded_is_sqlite_files_in_the_data_dir(tmp_path):
    b = resolve(_settings(tmp_path, sync_backend="embedded"))
    assert b == Backend(
        "embedded",
        f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        f"db+sqlite:///{tmp_path / 'results.sqlite'}",
        None,
    )
    assert b.embedded and isinstance(open_store(b, _settings(tmp_path)), SQLiteStore)


def test_external_is_the_configured_urls_even_when_unreachable(tmp_path):
    s = _settings(tmp_path, sync_backend="external", celery_broker_url=CLOSED)
    b = resolve(s)
    assert b == Backend("external", CLOSED, s.redis_url, s.redis_url)
    assert not b.embedded and isinstance(open_store(b, s), RedisStore)


def test_auto_falls_back_to_embedded_when_the_broker_is_unreachable(tmp_path):
    assert resolve(_settings(tmp_path, celery_broker_url=CLOSED)).kind == "embedded"
    assert resolve(_settings(tmp_path, redis_url="redis://127.0.0.1:1/0")).kind == "embedded"


def test_production_auto_never_falls_back(tmp_path):
    s = _settings(tmp_path, sync_env="production", celery_broker_url=CLOSED)
    assert resolve(s).kind == "external"


def test_auto_uses_rabbitmq_and_redis_when_both_answer(tmp_path):
    if not (_open(5672) and _open(6379)):
        pytest.skip("RabbitMQ or Redis not running here")
    assert resolve(_settings(tmp_path)).kind == "external"


def test_default_ports_and_host_are_probed(tmp_path):
    if not (_open(5672) and _open(6379)):
        pytest.skip("RabbitMQ or Redis not running here")
    s = _settings(
        tmp_path,
        celery_broker_url="amqp://guest:guest@127.0.0.1//",
        redis_url="redis://127.0.0.1/0",
    )
    assert resolve(s).kind == "external"
    s = _settings(tmp_path, celery_broker_url="amqp:///", redis_url="redis:///0")
    assert resolve(s).kind == "external"


def test_embedded_creates_a_nested_data_dir_and_its_store_file(tmp_path):
    data = tmp_path / "a" / "b"
    s = _settings(tmp_path, sync_backend="embedded", sync_data_dir=data)
    store = open_store(resolve(s), s)
    store.set("k", "v")
    assert (data / "store.sqlite").exists() and store.get("k") == b"v"


def test_the_redis_store_is_namespaced_by_the_queue_prefix(tmp_path):
    s = _settings(tmp_path, sync_backend="external", sync_queue_prefix="h6ns")
    assert open_store(resolve(s), s).ns == "h6ns:"
