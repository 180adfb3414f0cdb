"""Every key the service writes to the shared store, named once.

The web app, the workers, the tests and the bench read and write the same keys;
spelling them in one module means a rename cannot leave one reader behind. Keys
are relative to the store's namespace (``SYNC_QUEUE_PREFIX``): ``RedisStore``
prepends ``<prefix>:``; ``namespaced`` gives the full Redis key for tools that
talk to Redis directly (tests, bench). Keys hold ids only, never patient data.
"""

from __future__ import annotations

# --- intake (web app) ----------------------------------------------------------------
SEEN = "sf:seen:"  # + delivery id: a notification already acknowledged
QUEUED = "sync:queued:"  # + record id: a job is published and has not started yet

# --- jobs (workers) ------------------------------------------------------------------
LOCK = "sync:lock:"  # + record id: one job per chart at a time
FAILURES = "sync:failures:"  # + job id: retryable failures counted per job
MRN = "sync:mrn:"  # + record id: EMR id of a chart we created, until Salesforce has it
MRN_OWNER = "sync:mrn-owner:"  # + EMR id: the record a chart was created for
READ_AT = "sync:read-at:"  # + record id: when (the org's clock) a job last read the record

# --- reconciliation sweep (syncapp.sweep) ------------------------------------------------
SWEEP_WATERMARK = "sync:sweep:watermark"  # epoch seconds: changes up to here were swept
SWEEP_RUNNING = "sync:sweep:running"  # one pass at a time across workers

# --- operations ----------------------------------------------------------------------
DRIFT_LAST = "ops:drift:last"  # the last selector-drift check: page object and selector names
ALERT_RATE = "alert:rate:"  # + channel:hour: alerts sent, for the hourly rate limit
READINESS_PROBE = "readyz"  # read (never written) by /readyz to see the store answer

# --- licensed portal sessions ---------------------------------------------------------
SLOT = "emr:session-slot:"  # + slot number
SLOTS_MUTEX = "emr:session-slots:mutex"

# --- Salesforce OAuth ------------------------------------------------------------------
TOKEN_NAMESPACE = "sf"  # the token is ``sf:token``; its refresh lock ``sf:token:refresh``


def seen(delivery_id: str) -> str:
    return f"{SEEN}{delivery_id}"


def queued(record_id: str) -> str:
    return f"{QUEUED}{record_id}"


def lock(record_id: str) -> str:
    return f"{LOCK}{record_id}"


def failures(job_id: str) -> str:
    return f"{FAILURES}{job_id}"


def mrn(record_id: str) -> str:
    return f"{MRN}{record_id}"


def mrn_owner(emr_patient_id: str) -> str:
    return f"{MRN_OWNER}{emr_patient_id}"


def read_at(record_id: str) -> str:
    return f"{READ_AT}{record_id}"


def alert_rate(channel: str, hour: int) -> str:
    return f"{ALERT_RATE}{channel}:{hour}"


def slot(i: int) -> str:
    return f"{SLOT}{i}"


def token(namespace: str = TOKEN_NAMESPACE) -> str:
    return f"{namespace}:token"


def token_refresh(namespace: str = TOKEN_NAMESPACE) -> str:
    return f"{namespace}:token:refresh"


def token_pending(state: str, namespace: str = TOKEN_NAMESPACE) -> str:
    """The PKCE verifier of an OAuth sign-in in progress."""
    return f"{namespace}:token:pending:{state}"


def namespaced(prefix: str, key: str) -> str:
    """The full Redis key (or pattern, with a trailing ``*``) of ``key`` under ``prefix``."""
    return f"{prefix}:{key}"
