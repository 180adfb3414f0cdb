"""From "Salesforce says record X changed" to at most one queued job per record.

Two markers in the shared store make notifications idempotent and bursts cheap:

* ``sf:seen:<notification or event id>`` — a redelivered notification (Salesforce
  retries until it gets an ack, and sometimes sends twice) is recognised and
  acknowledged without a second job.
* ``sync:queued:<record id>`` — set when a job is published, deleted by the worker
  when the job *starts*. While it exists, a newer notification for the same record
  needs no job of its own: the queued job will read the record's newest state
  from Salesforce anyway. Fifty edits in a second cost one or two syncs.

A delivery is remembered as seen only after every job of the request is on the
broker (publisher-confirmed) and its markers are on the shared store: if anything
fails, the caller answers with an error so that Salesforce retries, and nothing
was marked seen — even when the store went away mid-request and the queued markers
could not be removed (they expire within minutes). A retried notification whose
job did get published costs one more, idempotent, job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from syncapp.errors import EnqueueFailed
from syncapp.keys import queued as queued_key
from syncapp.keys import seen as seen_key
from syncapp.kv import KeyValueStore

log = logging.getLogger(__name__)

SEEN_TTL = 7 * 24 * 3600  # longer than Salesforce's 24 h of Outbound Message retries
# Backstop only: the worker clears the marker when the job starts. Short, so that the
# marker of a job that never ran swallows later changes for minutes, not an hour; a
# longer backlog only costs a second (idempotent) job for the record.
QUEUED_TTL = 600


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
    seen: dict[str, None] = {}  # delivered now; remembered once all of it is durable
    try:
        for delivery_id, record_id in items:
            key = seen_key(delivery_id) if delivery_id is not None else None
            if key is not None and (key in seen or store.get(key) is not None):
                outcomes.append(Outcome(record_id, duplicate=True))
                continue
            if key is not None:
                seen[key] = None
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
        for key in seen:
            store.set(key, "1", SEEN_TTL)
    except Exception as exc:
        _roll_back(store, undo)
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


def _roll_back(store: KeyValueStore, keys: list[str]) -> None:
    """Remove this request's queued markers; best effort, their short TTL is the backstop."""
    for key in keys:
        try:
            store.delete(key)
        except Exception:  # noqa: BLE001 - the store may be the thing that failed
            log.warning("could not roll back a marker", extra={"step": "intake"})
