"""Celery settings for the workers and the web app's publisher: durable, at-least-once.

Read with ``config_from_object`` by ``tasks.celery_app`` and ``syncapp.enqueue``
(``celeryconfig`` at the top level re-exports them for ``celery -A tasks`` tools).
Every choice here serves one rule: a job is never lost, and running it twice is
harmless (the sync is idempotent), so we prefer "again" over "never".

Importing this module reads the environment and nothing else. What depends on the
process's backend (broker and result URLs, quorum queue arguments, publisher
confirms) is ``backend_config(backend)``, applied when a Celery app is configured
(``syncapp.enqueue.celery_for``), after the process chose its backend.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from syncapp.backend import Backend
from syncapp.ops.schedule import ops_beat_schedule
from syncapp.opsconfig import get_ops_settings
from syncapp.settings import get_settings
from syncapp.sweep import beat_schedule as sweep_beat_schedule

_settings = get_settings()

broker_connection_retry_on_startup = True

# --- serialisation: JSON only, so a message can never smuggle a pickle -----------------
task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
result_extended = False  # do not copy args/kwargs into the result store
result_expires = 7 * 24 * 3600

# --- delivery guarantees ------------------------------------------------------------------
task_acks_late = True  # ack after the job ran: a crash mid-sync redelivers it
task_reject_on_worker_lost = True  # a SIGKILLed child's job goes back to the queue
worker_prefetch_multiplier = 1  # one job per process at a time: the browser is the bottleneck
# A job that raised was handled by us (retry published, or callback + dead letter), so its
# message is acknowledged. Infrastructure errors never reach here as failures:
# ``tasks.policy`` turns them into a retry, or a ``Reject(requeue=True)`` when even the
# retry cannot be published.
task_acks_on_failure = True
task_acks_on_timeout = True
# No result store in a job's path: nothing reads results (chains pass them in the
# message), and a Redis outage while Celery stored "started" or "success" failed the job
# before or after our code ran, and its message was acknowledged: lost. Flower follows
# jobs through events.
task_ignore_result = True
task_store_errors_even_if_ignored = False
task_track_started = False
task_send_sent_event = True
worker_send_task_events = True
task_default_delivery_mode = "persistent"
task_publish_retry = True
task_publish_retry_policy = {
    # Short: the webhook must answer Salesforce (Apex callouts time out at 10 s).
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1.0,
}

# --- time limits: far under RabbitMQ's consumer_timeout (30 min by default), beyond
# which an unacknowledged delivery is requeued and would run a second time -----------------
task_time_limit = _settings.sync_task_time_limit
task_soft_time_limit = max(30, _settings.sync_task_time_limit - 60)

# --- queues ---------------------------------------------------------------------------
# Quorum queues: replicated and durable on a RabbitMQ cluster, with a delivery limit
# (a poison message that keeps killing workers stops after N tries) and a dead-letter
# exchange. A topic exchange because Celery's native delayed delivery (countdown and
# retry backoff on quorum queues) binds queues with topic patterns; with a direct
# exchange delayed tasks would sit unacknowledged inside the worker.
_prefix = _settings.sync_queue_prefix
SYNC_QUEUE = f"{_prefix}.sync"
REPORT_QUEUE = f"{_prefix}.report"
DEAD_QUEUE = f"{_prefix}.dead"
DEAD_WATCH_QUEUE = f"{_prefix}.dead.watch"
task_exchange = Exchange(_prefix, type="topic", durable=True)
dead_exchange = Exchange(f"{_prefix}.dlx", type="topic", durable=True)

task_default_queue = SYNC_QUEUE
task_default_exchange = _prefix
task_default_exchange_type = "topic"
task_default_routing_key = SYNC_QUEUE
task_create_missing_queues = False
task_routes = {
    "tasks.sync_patient": {"queue": SYNC_QUEUE, "routing_key": SYNC_QUEUE},
    "tasks.report_to_salesforce": {"queue": REPORT_QUEUE, "routing_key": REPORT_QUEUE},
}
# Quorum queues do not support global QoS; Celery detects them and uses per-consumer
# prefetch (leave this True: False makes the worker loop on a global-QoS error).
worker_detect_quorum_queues = True

# RabbitMQ 4.3 removed transient non-exclusive queues: Celery's event (Flower) and
# control (ping, inspect) reply queues must be exclusive. Celery 5.7 defaults to that;
# we state it so an upgrade of either side does not silently change it. Exclusive
# queues also work on RabbitMQ 3.10.
event_queue_exclusive = True
event_queue_durable = False
control_queue_exclusive = True
control_queue_durable = False

# --- workers ---------------------------------------------------------------------------
# One browser per worker process (about 1 GB RSS each); the clinic's licence caps
# concurrent portal sessions across all workers (``tasks.slots``).
worker_concurrency = min(_settings.emr_session_cap, 2)
worker_max_tasks_per_child = 500
worker_hijack_root_logger = False
worker_redirect_stdouts = False
worker_cancel_long_running_tasks_on_connection_loss = False

# --- Celery beat (one ``celery -A tasks beat`` per deployment) ---------------------------
# The reconciliation sweep (``syncapp.sweep``), the net under every notification path.
beat_schedule: dict[str, dict] = {
    **sweep_beat_schedule(_settings),
    # Operations checks (``tasks.ops_tasks``): stalled queue, dead letters, selector drift.
    **ops_beat_schedule(get_ops_settings()),
}


# --- what depends on the process's backend ----------------------------------------------
_QUORUM = {
    "x-queue-type": "quorum",
    "x-dead-letter-exchange": dead_exchange.name,
    "x-dead-letter-routing-key": DEAD_QUEUE,
    # RabbitMQ 4.x defaults quorum queues to a delivery limit of 20; we state ours.
    "x-delivery-limit": 10,
}


def _queue(name: str, exchange: Exchange, arguments: dict[str, Any]) -> Queue:
    return Queue(name, exchange, routing_key=name, durable=True, queue_arguments=arguments)


def backend_config(backend: Backend) -> dict[str, Any]:
    """The settings that follow from ``backend`` (applied once, when an app is configured)."""
    external = not backend.embedded
    args = _QUORUM if external else {}
    return {
        "broker_url": backend.broker_url,
        # Celery prefers $CELERY_BROKER_URL over ``broker_url``; the read and write URLs
        # win over both, so the process publishes where it chose to, whatever the env says.
        "broker_read_url": backend.broker_url,
        "broker_write_url": backend.broker_url,
        "result_backend": backend.result_backend,
        # Result keys share the deployment's prefix with every other key we write to Redis.
        "result_backend_transport_options": (
            {"global_keyprefix": f"{_prefix}:"} if external else {}
        ),
        # Publisher confirms: a publish returns only after RabbitMQ has the message, so
        # the webhook acknowledges Salesforce only for what is stored. (kombu's
        # SQLAlchemy transport passes its options to ``create_engine``: none for it.)
        "broker_transport_options": {"confirm_publish": True} if external else {},
        "task_queues": (
            _queue(SYNC_QUEUE, task_exchange, args),
            _queue(REPORT_QUEUE, task_exchange, args),
        ),
        # The dead-letter queue (``tasks.deadletter``): quorum, without a dead letter of its own.
        "sync_dead_queue": _queue(
            DEAD_QUEUE, dead_exchange, {"x-queue-type": "quorum"} if external else {}
        ),
        # A copy of every dead letter (same exchange and routing key) for the workers'
        # watcher, which tells Salesforce ``Failed`` where no task code could.
        "sync_dead_watch_queue": Queue(
            DEAD_WATCH_QUEUE,
            dead_exchange,
            routing_key=DEAD_QUEUE,
            durable=True,
            queue_arguments={"x-queue-type": "quorum"} if external else {},
        ),
    }
