"""What every inbound webhook request must pass before its body is parsed.

* **Content-Type**: each endpoint names the media types it parses; anything else
  is a 415 before a byte is parsed (a JSON body posted to the SOAP endpoint is
  not "malformed XML", it is the wrong door).
* **Body size, streamed**: the body is read in chunks and refused with 413 the
  moment it passes the limit, whether it declared a ``Content-Length`` or came
  chunked. A chunked body is never cut at the limit and parsed: a truncated
  message that happens to parse must not be acknowledged.
* **The Outbound Message URL secret**: Salesforce's Outbound Messages carry no
  signature, and an org id is not a secret, so the endpoint URL Salesforce is
  configured with ends in a secret path segment, compared in constant time.

Each check raises ``InboundError`` (status + value-free reason); the endpoint
formats it as a SOAP fault or a JSON problem.
"""

from __future__ import annotations

import hmac

from flask import request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

CHUNK = 64 * 1024


class InboundError(Exception):
    """A refused request: HTTP ``status`` and a ``reason`` safe to return."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def require_content_type(*allowed: str) -> None:
    """Raise 415 unless the request's media type (parameters ignored) is one of ``allowed``."""
    if request.mimetype not in allowed:
        raise InboundError(415, f"Content-Type must be {' or '.join(allowed)}")


def read_body(limit: int) -> bytes:
    """The request body, read in chunks; 413 as soon as it is longer than ``limit`` bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise InboundError(413, f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    try:
        stream = request.stream
        while True:
            chunk = stream.read(min(CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InboundError(413, f"body larger than {limit} bytes")
            chunks.append(chunk)
    except RequestEntityTooLarge:  # werkzeug's own streamed limit (MAX_CONTENT_LENGTH)
        raise InboundError(413, f"body larger than {limit} bytes") from None
    except ClientDisconnected:
        raise InboundError(400, "incomplete body") from None
    return b"".join(chunks)


def check_path_secret(given: str | None, expected: str, *, required: bool) -> None:
    """Raise 404 unless ``given`` equals ``expected`` (constant time).

    With no secret configured the bare path is accepted unless ``required``
    (production, where start-up already refuses a missing secret: belt and braces).
    404, not 401: a wrong guess learns nothing, not even that the endpoint exists.
    """
    if not expected:
        if required or given is not None:
            raise InboundError(404, "not found")
        return
    if given is None or not hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    ):
        raise InboundError(404, "not found")
