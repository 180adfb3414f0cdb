"""A redis-server of the test's own on a free port: an outage we may cause (never the machine's)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.support.servers import free_port, wait_until


class OwnRedis:
    def __init__(self, workdir: Path, *, durable: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.durable = durable  # every write on disk (AOF, fsync always): a restart keeps it
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.durable else "no",
                "--appendfsync",
                "always",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_until(client.ping, timeout=10, what="our redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def own_redis(tmp_path: Path, *, started: bool = True, durable: bool = False) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path, durable=durable)
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()
