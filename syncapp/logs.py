"""Structured logs: one JSON object a line, with record id, job id, step and timing.

Context (record id, job id) is kept in ``contextvars`` so that every line a job
writes carries it without passing it around. Only an allow-list of ``extra``
keys reaches the output: a careless ``extra={"bundle": ...}`` cannot leak a
patient's data into the logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from syncapp import steps

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "sync_log_context", default=None
)

# Keys allowed from ``extra=``: identifiers, names of things and numbers; never values.
ALLOWED_EXTRA = frozenset(
    {
        "record_id",
        "job_id",
        "step",
        "duration_ms",
        "backend",
        "kind",
        "retryable",
        "attempt",
        "page",
        "fields",
        "changed_fields",
        "emr_patient_id",
        "chart_created",
        "status",
        "queue",
        "count",
        "org_id",
        "notification_ids",
        "browser",
        "driver",
        "key_file",
        "event_id",
        "coalesced",
        "url",
        "portal",
        "dry_run",
        "reason",
    }
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **(_context.get() or {}),
        }
        for key in ALLOWED_EXTRA:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            # Type and our own (value-free) message only; no traceback locals.
            exc = record.exc_info[1]
            out["error"] = {"type": type(exc).__name__, "message": _safe_message(exc)}
        return json.dumps(out, default=str)


def _safe_message(exc: BaseException | None) -> str:
    from syncapp.errors import SyncError

    if isinstance(exc, SyncError):
        return str(exc)
    # Foreign exceptions (Selenium, requests, pydantic) may quote page text or
    # input values; keep their type only.
    return f"{type(exc).__name__} (details withheld)"


def configure_logging(level: str = "INFO") -> None:
    """Route every logger through one JSON handler on stderr."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_sync_json", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._sync_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Chatty libraries log request URLs and bodies at DEBUG; keep them at WARNING.
    for noisy in (
        "urllib3",
        "selenium",
        "werkzeug",
        "requests_oauthlib",
        "oauthlib",
        "kombu",
        "amqp",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def log_context(**fields) -> Iterator[None]:
    token = _context.set(
        {**(_context.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    )
    try:
        yield
    finally:
        _context.reset(token)


@contextmanager
def timed_step(logger: logging.Logger, step: str, **extra) -> Iterator[None]:
    """Log a step's duration on success, or its failure kind, with the step name."""
    start = time.monotonic()
    try:
        yield
    except Exception as exc:
        steps.observed(step, time.monotonic() - start, False)
        logger.warning(
            "step failed",
            extra={
                "step": step,
                "duration_ms": round((time.monotonic() - start) * 1000),
                "kind": getattr(exc, "kind", type(exc).__name__),
                **extra,
            },
        )
        raise
    steps.observed(step, time.monotonic() - start, True)
    logger.info(
        "step done",
        extra={"step": step, "duration_ms": round((time.monotonic() - start) * 1000), **extra},
    )
