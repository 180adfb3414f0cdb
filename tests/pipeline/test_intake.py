"""Coalescing markers never outlive their job, on either store."""

from __future__ import annotations

from syncapp import intake, keys
from tests.support.salesforce_messages import sf_id


def test_a_job_that_starts_before_the_publish_returns_leaves_no_marker(store):
    """The worker clears the marker when the job starts, possibly before ``enqueue`` returns."""
    record = sf_id(42)

    def enqueue_and_start_at_once(record_id: str, job_id: str) -> None:
        assert store.get(keys.queued(record_id)) == job_id.encode()
        store.delete(keys.queued(record_id))  # what sync_patient does first

    [first] = intake.accept([("n1", record)], store=store, enqueue=enqueue_and_start_at_once)
    assert first.job_id and not first.coalesced
    assert store.get(keys.queued(record)) is None
    # So the next change for the record gets a job of its own.
    [second] = intake.accept([("n2", record)], store=store, enqueue=enqueue_and_start_at_once)
    assert second.job_id and not second.coalesced


def test_while_queued_further_notifications_coalesce(store):
    published = []
    outcomes = intake.accept(
        [(f"n{i}", sf_id(7)) for i in range(50)] + [("n0", sf_id(7))],
        store=store,
        enqueue=lambda record_id, job_id: published.append(job_id),
    )
    assert len(published) == 1
    assert sum(o.coalesced for o in outcomes) == 49 and outcomes[-1].duplicate
