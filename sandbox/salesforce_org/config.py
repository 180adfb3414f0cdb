"""Settings of the sandbox org: defaults, ``SF_SANDBOX_*`` environment, overrides.

One flat dict keeps the knobs visible in one place (the README's table is this
file's ``DEFAULTS``). A few of them can change at run time through
``POST /__sandbox__/config``; those live in ``RuntimeConfig`` behind a lock,
because the request threads and the notification sender read them concurrently.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sandbox.salesforce_org import ids

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, Any] = {
    "client_id": "sandbox-client-id",
    "client_secret": "sandbox-client-secret",
    "username": "integration@clinic.example",
    "password": "sandbox-password",
    "org_id": "",  # empty: a fresh database mints its own random org id (see org.py)
    "user_id": "",  # empty: likewise, the integration user's id
    "notify": "outbound-message",
    "webhook_url": "http://127.0.0.1:8000/salesforce/outbound-message",
    "events_url": "http://127.0.0.1:8000/salesforce/events",
    "signing_secret": "sandbox-signing-secret",
    "token_seconds": 7200,
    "retry_base_seconds": 1.0,
    "retry_max_seconds": 60.0,
    "duplicate_rate": 0.0,
    "send_timeout_seconds": 10.0,
    "db": str(REPO_ROOT / ".data" / "salesforce-org.sqlite3"),
    "redirect_uris": "http://127.0.0.1:8000/oauth/callback,http://localhost:8000/oauth/callback",
    "instance_url": "",  # empty: the URL the client used (scheme, host and port)
    "tls": True,  # also answer TLS on the same port (simple-salesforce always uses https)
    "tls_cert_file": "",  # where to write the self-signed certificate (PEM); empty: no file
    "start_sender": True,
}

_TYPES: dict[str, type] = {
    "token_seconds": int,
    "retry_base_seconds": float,
    "retry_max_seconds": float,
    "duplicate_rate": float,
    "send_timeout_seconds": float,
    "tls": bool,
    "start_sender": bool,
}

NOTIFY_MODES = ("outbound-message", "apex-callout", "none")
RUNTIME_KEYS = (
    "notify",
    "webhook_url",
    "events_url",
    "signing_secret",
    "token_seconds",
    "retry_base_seconds",
    "retry_max_seconds",
    "duplicate_rate",
)


def coerce(key: str, value: Any) -> Any:
    """Turn an environment string (or JSON value) into the knob's type."""
    kind = _TYPES.get(key, str)
    if kind is bool and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if key == "notify" and value not in NOTIFY_MODES:
        raise ValueError(f"notify must be one of {', '.join(NOTIFY_MODES)}")
    value = kind(value)
    if key == "duplicate_rate" and not 0.0 <= value <= 1.0:
        raise ValueError("duplicate_rate must be between 0 and 1")
    if key in ("token_seconds", "retry_base_seconds", "retry_max_seconds") and value < 0:
        raise ValueError(f"{key} must not be negative")
    return value


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``SF_SANDBOX_<KEY>`` environment variables, then ``overrides``."""
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        env = os.environ.get(f"SF_SANDBOX_{key.upper()}")
        if env is not None and env != "":
            settings[key] = coerce(key, env)
    for key, value in (overrides or {}).items():
        settings[key] = coerce(key, value) if key in DEFAULTS else value
    for key in ("org_id", "user_id"):
        if not settings[key]:
            continue
        canonical = ids.to18(settings[key])
        if canonical is None:
            raise ValueError(f"{key} is not a Salesforce id")
        settings[key] = canonical
    return settings


class RuntimeConfig:
    """The knobs tests may turn while the org runs; reads and writes are locked."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._initial = {k: settings[k] for k in RUNTIME_KEYS}
        self._values = dict(self._initial)

    def get(self, key: str) -> Any:
        with self._lock:
            return self._values[key]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - set(RUNTIME_KEYS)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        coerced = {k: coerce(k, v) for k, v in changes.items()}
        with self._lock:
            self._values.update(coerced)
            return dict(self._values)

    def reset(self) -> None:
        with self._lock:
            self._values = dict(self._initial)
