"""Fault injection: latency, jitter and random HTTP 500s, plus the counters behind stats.

Faults are applied *before* a request is handled, like a flaky load balancer in
front of the portal: an injected 500 never changed any data. The sandbox's own
inspection API and static files are exempt so that tests can always observe
and steer the portal, however broken it is told to be. ``static_latency`` (off
by default) makes static files pay the latency too, as they do on a hosted
portal: benchmarks turn it on to see what the browser's revalidations cost.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request

KNOBS: dict[str, tuple[float, float | None]] = {
    # name: (minimum, maximum or None)
    "latency_ms": (0.0, None),
    "jitter_ms": (0.0, None),
    "error_rate": (0.0, 1.0),
    "idle_lock_seconds": (0.0, None),
    "session_seconds": (0.0, None),
    "whats_new_rate": (0.0, 1.0),
    "static_latency": (0.0, 1.0),  # 1: latency and jitter apply to /static/* too
    # 1: the vendor "shipped a redesign": the chart header's MRN element is renamed
    # (``#chart-mrn`` -> ``#chart-mrn-v2``), for the selector-drift check to catch.
    "drift": (0.0, 1.0),
}


class FaultError(ValueError):
    """A bad value posted to ``/__sandbox__/faults``; the message names the knob."""


@dataclass
class Faults:
    """Run-time knobs; a lock keeps a read of several knobs consistent across threads."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    idle_lock_seconds: float = 300.0
    session_seconds: float = 3600.0
    whats_new_rate: float = 0.0
    static_latency: float = 0.0
    drift: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {name: getattr(self, name) for name in KNOBS}

    def update(self, changes: dict[str, Any]) -> dict[str, float]:
        """Validate every value first, so a bad request changes nothing."""
        if not isinstance(changes, dict):
            raise FaultError("body must be a JSON object")
        clean: dict[str, float] = {}
        for name, value in changes.items():
            if name not in KNOBS:
                raise FaultError(f"unknown knob {name!r}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FaultError(f"{name} must be a number")
            low, high = KNOBS[name]
            if value < low or (high is not None and value > high):
                raise FaultError(f"{name} is out of range")
            clean[name] = float(value)
        with self._lock:
            for name, value in clean.items():
                setattr(self, name, value)
        return self.snapshot()


class Stats:
    """Counters for ``/__sandbox__/stats``; benchmarks divide by them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "errors_injected": 0, "logins": 0}

    def incr(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def is_exempt(path: str) -> bool:
    return path.startswith("/__sandbox__") or path.startswith("/static/")


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def _delay(knobs: dict[str, float], rng: random.Random, lock: threading.Lock) -> None:
    with lock:
        jitter = rng.uniform(0, knobs["jitter_ms"]) if knobs["jitter_ms"] else 0.0
    delay = (knobs["latency_ms"] + jitter) / 1000.0
    if delay > 0:
        time.sleep(delay)  # injected latency: the point of the knob


def _inject() -> Response | tuple[Response, int] | tuple[str, int] | None:
    app = current_app
    if is_exempt(request.path):
        knobs = app.extensions["emr_faults"].snapshot()
        if knobs["static_latency"] and request.path.startswith("/static/"):
            _delay(knobs, app.extensions["emr_random"], app.extensions["emr_random_lock"])
        return None
    stats: Stats = app.extensions["emr_stats"]
    rng: random.Random = app.extensions["emr_random"]
    knobs = app.extensions["emr_faults"].snapshot()
    stats.incr("requests")
    with app.extensions["emr_random_lock"]:
        jitter = rng.uniform(0, knobs["jitter_ms"]) if knobs["jitter_ms"] else 0.0
        fail = knobs["error_rate"] > 0 and rng.random() < knobs["error_rate"]
    delay = (knobs["latency_ms"] + jitter) / 1000.0
    if delay > 0:
        time.sleep(delay)  # injected latency: the point of the knob
    if fail:
        stats.incr("errors_injected")
        return error_response()
    return None


def error_response() -> tuple[Response, int] | tuple[str, int]:
    """The portal's 500: JSON for ``/api``, the error page for everything else."""
    if is_api(request.path):
        return jsonify({"error": "internal"}), 500
    return render_template("error.html"), 500


def init_faults(app: Flask, faults: Faults, seed: int | None) -> None:
    app.extensions["emr_faults"] = faults
    app.extensions["emr_stats"] = Stats()
    app.extensions["emr_random"] = random.Random(seed)
    app.extensions["emr_random_lock"] = threading.Lock()
    app.before_request(_inject)
    app.context_processor(lambda: {"drift": bool(faults.snapshot()["drift"])})


def current_faults() -> dict[str, float]:
    return current_app.extensions["emr_faults"].snapshot()
