"""Probe the machine's RabbitMQ and Redis; skip (or fail under REQUIRE_SERVICES=1).

CI sets ``REQUIRE_SERVICES=1`` so that a missing service is a failure there,
never a silently skipped test.
"""

from __future__ import annotations

import os
import socket

import pytest

RABBITMQ_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip the calling test when ``name`` is down, or fail when services are required."""
    if reachable(host, port):
        return
    reason = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_rabbitmq() -> str:
    require("RabbitMQ", "127.0.0.1", 5672)
    return RABBITMQ_URL


def require_redis() -> str:
    require("Redis", "127.0.0.1", 6379)
    return REDIS_URL


def clear_redis_namespace() -> None:
    """Delete this test run's keys only: other runs may share the Redis database."""
    import os

    import redis

    prefix = os.environ["SYNC_QUEUE_PREFIX"]
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
