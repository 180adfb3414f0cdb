"""The worker clears a record's "queued" marker when its job starts (issue 14).

While ``sync:queued:<record>`` exists, intake coalesces further notifications for
the record into the queued job. Once that job runs it may already have read the
record, so a later change needs a job of its own: ``tasks.sync`` deletes the
marker before it reads Salesforce. Left in place, every change within the
marker's TTL would be acknowledged and dropped.

Runs the real task (``sync_patient.apply``) on the real store and broker. The only
stand-in is Salesforce's ``load_bundle``: it notes whether the marker was still
there when the record was read, then returns an empty record, which ends the job
at once as a permanent failure (dead letter and a Failed report on the broker).
"""

from __future__ import annotations

from syncapp import intake, keys
from syncapp.settings import get_settings
from tasks import deadletter, resources
from tasks.resources import Resources
from tests.support.salesforce_messages import sf_id


class _Org:
    """Salesforce as the job reads it, seen from the store at the moment of the read."""

    def __init__(self, store) -> None:
        self.store = store
        self.marker_at_read: list[bytes | None] = []

    def read_bundle(self, record_id: str) -> tuple[dict, None]:
        self.marker_at_read.append(self.store.get(keys.queued(record_id)))
        return {}, None  # no patient: invalid, the job gives up without touching the portal


def test_a_running_job_clears_the_queued_marker_before_it_reads_the_record(services, store):
    from tasks.sync import sync_patient

    record = sf_id(91)
    [queued] = intake.accept([("00D:q1", record)], store=store, enqueue=lambda r, j: None)
    assert store.get(keys.queued(record)) == queued.job_id.encode()
    [coalesced] = intake.accept([("00D:q2", record)], store=store, enqueue=lambda r, j: None)
    assert coalesced.coalesced  # the marker is live: the job will read this change

    org = _Org(store)
    previous = resources.install(Resources(get_settings(), store, org, slots=None))  # type: ignore[arg-type]
    try:
        outcome = sync_patient.apply(args=[record], task_id=queued.job_id)
    finally:
        resources.install(previous)  # type: ignore[arg-type]
        deadletter.drain()

    assert outcome.failed()  # the empty record: the job ran and gave up
    assert org.marker_at_read == [None]  # gone before the record was read
    assert store.get(keys.queued(record)) is None
    [after] = intake.accept([("00D:q3", record)], store=store, enqueue=lambda r, j: None)
    assert after.job_id and not after.coalesced  # a change after the read gets its own job
