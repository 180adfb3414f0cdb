"""The portal's own request log: what a browser (or the raw-HTTP floor) asked of it.

Benchmarks compare the browser-driven sync with the portal's floor request by
request, so they need the portal's view: each request's kind (a page load, an
API call, a static file and whether it was served or only revalidated) and
how long the server spent on it, injected latency included. Only method,
path (never the query string: searches carry names and dates of birth),
status and times are kept, in a bounded ring. The inspection API itself is
not logged.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from flask import Flask, Response, current_app, g, request

MAX_ENTRIES = 20_000


def kind_of(path: str) -> str:
    """``document`` (a page load), ``xhr`` (``/api/*``) or ``static`` (``/static/*``)."""
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/api/"):
        return "xhr"
    return "document"


class RequestLog:
    """A thread-safe ring of recent requests, oldest first."""

    def __init__(self, maxlen: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._rows: deque[dict[str, Any]] = deque(maxlen=maxlen)

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.append(row)

    def since(self, start: float = 0.0) -> list[dict[str, Any]]:
        """Requests that started at or after ``start`` (a Unix time)."""
        with self._lock:
            return [r for r in self._rows if r["start"] >= start]


def _stamp() -> None:
    g.request_log_t0 = time.time()


def _record(response: Response) -> Response:
    path = request.path
    if not path.startswith("/__sandbox__"):
        start = getattr(g, "request_log_t0", None) or time.time()
        current_app.extensions["emr_request_log"].add(
            {
                "method": request.method,
                "path": path,
                "kind": kind_of(path),
                "status": response.status_code,
                "start": start,
                "end": time.time(),
            }
        )
    return response


def init_request_log(app: Flask) -> None:
    """Register before the fault hooks, so that a request's time includes its injected delay."""
    app.extensions["emr_request_log"] = RequestLog()
    app.before_request(_stamp)
    app.after_request(_record)


def request_log() -> RequestLog:
    return current_app.extensions["emr_request_log"]
