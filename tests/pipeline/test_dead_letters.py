"""A message that keeps coming back (a crash loop) is dead-lettered by RabbitMQ itself.

The sync queue is a quorum queue with a delivery limit and a dead-letter
exchange: a job that kills its worker again and again stops after the limit
and waits in the dead-letter queue, where ``resync --failed`` finds it.
"""

from __future__ import annotations

from kombu import Connection, Queue

from tasks import deadletter
from tests.support.salesforce_messages import sf_id
from tests.support.servers import wait_until


def test_delivery_limit_moves_a_crash_looping_job_to_the_dead_letters(services):
    from tasks.celery_app import app
    from tasks.sync import sync_patient

    deadletter.drain()  # start empty
    record = sf_id(77)
    sync_patient.apply_async(args=[record])
    limit = services._QUORUM["x-delivery-limit"]
    with Connection(app.conf.broker_url) as conn:
        queue = Queue(services.SYNC_QUEUE, channel=conn.channel(), no_declare=True)
        deliveries = 0
        while (message := queue.get(no_ack=False)) is not None:
            deliveries += 1
            message.requeue()  # what a worker killed mid-job amounts to
            assert deliveries <= limit + 1, "the delivery limit did not stop the message"
    assert deliveries == limit + 1
    # RabbitMQ dead-letters asynchronously: look until it is there.
    letters = wait_until(lambda: deadletter.drain(keep=True), timeout=10, what="the dead letter")
    assert [(d.record_id, d.task, d.kind) for d in letters] == [
        (record, "tasks.sync_patient", "delivery_limit")
    ]
    assert deadletter.drain() == letters  # --list kept them; a replay takes them


def test_a_replay_of_one_kind_takes_its_letters_once_each_and_leaves_the_rest(services):
    """What the web app asks for once Salesforce is connected again: the records parked for
    the lost connection (a job and its report may both be parked), each enqueued once."""
    deadletter.drain()  # start empty
    lost, invalid = sf_id(78), sf_id(79)
    reauth = "reauthorization_required"
    deadletter.publish(lost, task="tasks.sync_patient", kind=reauth, job_id="j1")
    deadletter.publish(lost, task="tasks.report_to_salesforce", kind=reauth, job_id="j2")
    deadletter.publish(invalid, task="tasks.sync_patient", kind="invalid_bundle", job_id="j3")
    enqueued: list[str] = []

    def enqueue(record_id: str) -> str:
        enqueued.append(record_id)
        return f"job-{record_id}"

    parked = deadletter.drain(kinds={reauth})
    done = deadletter.enqueue_once((letter.record_id for letter in parked), enqueue)
    assert done == [(lost, f"job-{lost}")] and enqueued == [lost]
    left = deadletter.drain()
    assert [(d.record_id, d.kind) for d in left] == [(invalid, "invalid_bundle")]
