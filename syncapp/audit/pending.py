"""The field values of the upsert the current job just did, held for its audit row only.

``UpsertResult.field_values`` must not travel in the task's result (it is stored
in the result backend and shown by Flower), so the task hands it here and the
worker's audit hook takes it when it writes the attempt. A contextvar keeps
concurrent jobs apart.
"""

from __future__ import annotations

import contextvars

_pending: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "audit_pending", default=None
)


def hold(result: object) -> None:
    """Keep ``result.field_values`` and ``result.not_stored`` (if any) for the audit hook."""
    _pending.set(
        (tuple(getattr(result, "field_values", ()) or ()), list(getattr(result, "not_stored", ())))
    )


def take() -> tuple[tuple, list[str]]:
    """What ``hold`` kept (and forget it): ``(field changes, not-stored names)``."""
    held = _pending.get()
    _pending.set(None)
    return held or ((), [])
