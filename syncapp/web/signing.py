"""HMAC-SHA256 signatures on Apex callout events, with a replay window.

The Apex Queueable signs ``timestamp + "." + body`` with a secret shared through
a Named Credential; we recompute it and compare in constant time. A timestamp
outside the window is refused, so a captured request cannot be replayed later;
within the window, the event id dedupe refuses it. A timestamp from the future
gets only a small clock-skew allowance: otherwise a forger who once obtained a
signature could date it ahead and stretch its life.

Headers are attacker-controlled bytes: anything that is not the exact ASCII shape
of a timestamp or a hex digest is refused with ``SignatureError`` (a 401), never
handed to a function that could raise something else (``compare_digest`` raises
``TypeError`` on non-ASCII text).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

TIMESTAMP_HEADER = "X-EmrSync-Timestamp"
SIGNATURE_HEADER = "X-EmrSync-Signature"
MAX_FUTURE_SKEW = 60  # seconds a sender's clock may run ahead of ours

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"(?:sha256=)?([0-9a-f]{64})")


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
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("malformed timestamp")
    digest = _SIGNATURE.fullmatch(signature.strip().lower()) if signature.isascii() else None
    if digest is None:
        raise SignatureError("malformed signature")
    age = (time.time() if now is None else now) - int(timestamp)
    if age > max_age:
        raise SignatureError("stale timestamp")
    if age < -MAX_FUTURE_SKEW:
        raise SignatureError("timestamp in the future")
    if not hmac.compare_digest(sign(secret, timestamp, body), digest.group(1)):
        raise SignatureError("bad signature")
