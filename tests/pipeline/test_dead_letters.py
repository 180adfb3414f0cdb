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
    limit = services._quorum["x-delivery-limit"]
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
