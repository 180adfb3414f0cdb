"""HMAC-SHA256 signatures on Apex callout events, with a replay window.

The Apex Queueable signs ``timestamp + "." + body`` with a secret shared through
a Named Credential; we recompute it and compare in constant time. A timestamp
outside the window is refused, so a captured request cannot be replayed later;
within the window, the event id dedupe refuses it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-EmrSync-Timestamp"
SIGNATURE_HEADER = "X-EmrSync-Signature"


class SignatureError(ValueError):
    """Raised when a signature is missing, wrong or stale; the text is safe to return."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    max_age: int,
    now: float | None = None,
) -> None:
    """Raise ``SignatureError`` unless ``signature`` is valid and fresh."""
    if not secret:
        raise SignatureError("signing secret not configured")
    if not timestamp or not signature:
        raise SignatureError("missing signature headers")
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("malformed timestamp") from None
    if abs((now or time.time()) - ts) > max_age:
        raise SignatureError("stale timestamp")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower().removeprefix("sha256=")):
        raise SignatureError("bad signature")
