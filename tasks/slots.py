"""The clinic's licence caps concurrent portal sessions; this enforces it across all workers.

Each worker process that holds a logged-in browser holds one of ``EMR_SESSION_CAP``
slots in the shared store (key value = the process's token). The slot is renewed
at every job and expires when the process goes quiet, so a crashed worker frees
its slot by itself. A slot whose holder was a process on this host that no longer
exists (a child killed by the OOM killer, say) is taken over at once instead of
after the expiry. A process without a slot closes its browser and retries the
job later: it never opens a session the licence does not allow.
"""

from __future__ import annotations

import uuid

from syncapp import keys
from syncapp.errors import SessionCapReached
from syncapp.kv import KeyValueStore
from tasks import holders


class SessionSlots:
    def __init__(self, store: KeyValueStore, cap: int, ttl: float) -> None:
        self.store = store
        self.cap = cap
        self.ttl = ttl
        self.host = holders.HOST
        self.token = holders.identity(uuid.uuid4().hex[:8])
        self.slot: int | None = None

    def _key(self, i: int) -> str:
        return keys.slot(i)

    def ensure(self) -> bool:
        """Hold (or renew) a slot; return False when this process had lost its slot.

        Raises ``SessionCapReached`` when every slot is held by other processes.
        """
        with self.store.lock(keys.SLOTS_MUTEX, timeout=10, wait=10):
            if self.slot is not None:
                key = self._key(self.slot)
                if self.store.get(key) == self.token.encode():
                    self.store.set(key, self.token, self.ttl)
                    return True
            had_slot = self.slot is not None
            self.slot = None
            for i in range(self.cap):
                if self._holder_is_dead(i):
                    self.store.delete(self._key(i))
                if self.store.set_nx(self._key(i), self.token, self.ttl):
                    self.slot = i
                    return not had_slot
        raise SessionCapReached(f"all {self.cap} licensed portal sessions are in use")

    def _holder_is_dead(self, i: int) -> bool:
        """True when slot ``i`` is held by a process of this host that has exited."""
        return holders.is_dead(self.store.get(self._key(i)))

    def release(self) -> None:
        if self.slot is None:
            return
        key = self._key(self.slot)
        if self.store.get(key) == self.token.encode():
            self.store.delete(key)
        self.slot = None
