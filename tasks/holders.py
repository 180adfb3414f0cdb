"""Who holds a lock or a session slot, and whether that holder still lives.

A holder is written as ``host:pid:tag``. A key held by a process of *this* host
that no longer exists (killed by SIGKILL, the OOM killer, a crash) can be taken
over at once instead of after its expiry; a holder on another host is trusted
until its key expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from syncapp.kv import KeyValueStore

log = logging.getLogger(__name__)

HOST = socket.gethostname()


def identity(tag: str) -> str:
    """This process's holder string, with ``tag`` (a job id, a random token)."""
    return f"{HOST}:{os.getpid()}:{tag}"


def is_dead(holder: bytes | str | None) -> bool:
    """True when ``holder`` names a process of this host that has exited."""
    if isinstance(holder, bytes):
        holder = holder.decode(errors="replace")
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    return False


def tag_of(holder: bytes | str | None) -> str:
    """The tag part of a holder string (a job id for chart locks)."""
    if isinstance(holder, bytes):
        holder = holder.decode(errors="replace")
    return (holder or "").split(":", 2)[-1]


@contextmanager
def renewed(store: KeyValueStore, key: str, holder: str, lease: float) -> Iterator[None]:
    """Keep ``key`` (held by ``holder``) alive while the block runs: renew every lease/3.

    The lease is short, so a holder that dies anywhere, on any host, frees the key
    within one lease; a live holder keeps it however long its job takes.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease / 3):
            try:
                if not store.renew(key, holder, lease):
                    log.warning("lease lost", extra={"step": "lock"})
                    return
            except Exception as exc:  # noqa: BLE001 - store down: the lease may lapse
                log.warning(
                    "lease not renewed", extra={"step": "lock", "reason": type(exc).__name__}
                )

    thread = threading.Thread(target=beat, name="lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
