"""Celery settings for ``celery -A tasks``: durable, acknowledged late, at-least-once.

Read by ``tasks.celery_app.create_celery_app`` with ``config_from_object``. Every
choice here serves one rule: a job is never lost, and running it twice is
harmless (the sync is idempotent), so we prefer "again" over "never".
"""

from kombu import Exchange, Queue

from syncapp.backend import get_backend
from syncapp.settings import get_settings

_settings = get_settings()
_backend = get_backend()

broker_url = _backend.broker_url
result_backend = _backend.result_backend
broker_connection_retry_on_startup = True

# --- serialisation: JSON only, so a message can never smuggle a pickle -----------------
task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
result_extended = False  # do not copy args/kwargs into the result store
result_expires = 7 * 24 * 3600
# Result keys share the deployment's prefix with every other key we write to Redis.
result_backend_transport_options = (
    {"global_keyprefix": f"{_settings.sync_queue_prefix}:"} if not _backend.embedded else {}
)

# --- delivery guarantees ------------------------------------------------------------------
task_acks_late = True  # ack after the job ran: a crash mid-sync redelivers it
task_reject_on_worker_lost = True  # a SIGKILLed child's job goes back to the queue
worker_prefetch_multiplier = 1  # one job per process at a time: the browser is the bottleneck
task_acks_on_failure = True  # failures are handled by us (callback + dead letter)
task_acks_on_timeout = True
task_track_started = True
task_send_sent_event = True
worker_send_task_events = True
task_default_delivery_mode = "persistent"
# Publisher confirms: ``apply_async`` returns only after RabbitMQ has the message,
# so the webhook acknowledges Salesforce only for what is stored.
# (kombu's SQLAlchemy transport passes its options to ``create_engine``: none for it.)
broker_transport_options = {"confirm_publish": True} if not _backend.embedded else {}
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
task_exchange = Exchange(_prefix, type="topic", durable=True)
dead_exchange = Exchange(f"{_prefix}.dlx", type="topic", durable=True)

_quorum = {
    "x-queue-type": "quorum",
    "x-dead-letter-exchange": dead_exchange.name,
    "x-dead-letter-routing-key": DEAD_QUEUE,
    # RabbitMQ 4.x defaults quorum queues to a delivery limit of 20; we state ours.
    "x-delivery-limit": 10,
}
_queue_args = _quorum if not _backend.embedded else {}

task_queues = (
    Queue(
        SYNC_QUEUE, task_exchange, routing_key=SYNC_QUEUE, durable=True, queue_arguments=_queue_args
    ),
    Queue(
        REPORT_QUEUE,
        task_exchange,
        routing_key=REPORT_QUEUE,
        durable=True,
        queue_arguments=_queue_args,
    ),
)
# The dead-letter queue: nobody consumes it; a person replays it with
# ``celery -A tasks resync --failed`` (see ``tasks.deadletter``).
dead_queue = Queue(
    DEAD_QUEUE,
    dead_exchange,
    routing_key=DEAD_QUEUE,
    durable=True,
    queue_arguments={"x-queue-type": "quorum"} if not _backend.embedded else {},
)
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
