"""From "Salesforce says record X changed" to at most one queued job per record.

Two markers in the shared store make notifications idempotent and bursts cheap:

* ``sf:seen:<notification or event id>`` — a redelivered notification (Salesforce
  retries until it gets an ack, and sometimes sends twice) is recognised and
  acknowledged without a second job.
* ``sync:queued:<record id>`` — set when a job is published, deleted by the worker
  when the job *starts*. While it exists, a newer notification for the same record
  needs no job of its own: the queued job will read the record's newest state
  from Salesforce anyway. Fifty edits in a second cost one or two syncs.

If a publish fails, every marker set for this request is removed again and the
caller answers with an error, so that Salesforce retries: nothing is acknowledged
that was not stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from syncapp.errors import EnqueueFailed
from syncapp.kv import KeyValueStore

log = logging.getLogger(__name__)

SEEN_TTL = 7 * 24 * 3600  # longer than Salesforce's 24 h of Outbound Message retries
QUEUED_TTL = 3600  # backstop only: the worker clears the marker when the job starts


def queued_key(record_id: str) -> str:
    return f"sync:queued:{record_id}"


def seen_key(delivery_id: str) -> str:
    return f"sf:seen:{delivery_id}"


@dataclass
class Outcome:
    record_id: str
    job_id: str | None = None
    duplicate: bool = False
    coalesced: bool = False


def accept(
    items: Iterable[tuple[str | None, str]],
    *,
    store: KeyValueStore,
    enqueue: Callable[[str, str], object],
) -> list[Outcome]:
    """Turn ``(delivery id, record id)`` pairs into jobs; raise ``EnqueueFailed`` on any failure.

    ``enqueue(record_id, job_id)`` publishes a job (publisher-confirmed) under that id.
    """
    outcomes: list[Outcome] = []
    undo: list[str] = []
    try:
        for delivery_id, record_id in items:
            if delivery_id is not None and not store.set_nx(seen_key(delivery_id), "1", SEEN_TTL):
                outcomes.append(Outcome(record_id, duplicate=True))
                continue
            if delivery_id is not None:
                undo.append(seen_key(delivery_id))
            # The job id is chosen before publishing: the worker may start the job and
            # clear the marker before ``enqueue`` even returns, so the marker must never
            # be written after the publish (it would outlive its job and swallow changes).
            job_id = str(uuid.uuid4())
            if not store.set_nx(queued_key(record_id), job_id, QUEUED_TTL):
                outcomes.append(Outcome(record_id, coalesced=True))
                continue
            undo.append(queued_key(record_id))
            enqueue(record_id, job_id)
            outcomes.append(Outcome(record_id, job_id=job_id))
    except Exception as exc:
        for key in undo:
            try:
                store.delete(key)
            except Exception:  # noqa: BLE001 - best effort; TTLs are the backstop
                log.warning("could not roll back a marker", extra={"step": "intake"})
        if isinstance(exc, EnqueueFailed):
            raise
        raise EnqueueFailed(f"could not enqueue ({type(exc).__name__})", step="enqueue") from None
    log.info(
        "notifications accepted",
        extra={
            "step": "intake",
            "count": len(outcomes),
            "coalesced": sum(o.coalesced for o in outcomes),
            "reason": f"duplicates={sum(o.duplicate for o in outcomes)}",
        },
    )
    return outcomes
