"""Publishing a sync job: the one function the webhook, the CLI and the demo call.

A job is a chain ``sync_patient(record_id) | report_to_salesforce(record_id)``: its
only arguments are the Salesforce record id, harmless by itself (Celery's retry
drops ``argsrepr``, so arguments must not need hiding).
"""

from __future__ import annotations

from functools import cache

from kombu.exceptions import OperationalError

from syncapp.errors import EnqueueFailed


@cache
def _declared() -> bool:
    """Declare queues once per process, so that nothing is published into the void."""
    from tasks.topology import declare_all

    declare_all()
    return True


def enqueue_sync(record_id: str, job_id: str | None = None) -> str:
    """Publish a sync job (publisher-confirmed on RabbitMQ); return the sync task id."""
    from tasks.report import report_to_salesforce
    from tasks.sync import sync_patient

    first = sync_patient.si(record_id)
    if job_id:
        first = first.set(task_id=job_id)
    job = first | report_to_salesforce.s(record_id)
    try:
        _declared()
        result = job.apply_async()
    except (OperationalError, OSError, ConnectionError) as exc:
        raise EnqueueFailed(f"broker did not accept the job ({type(exc).__name__})") from None
    return result.parent.id if result.parent is not None else result.id
