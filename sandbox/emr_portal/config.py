"""Start-up settings of the Demo EMR, read from ``EMR_SANDBOX_*`` env vars and CLI flags.

The knobs exist so that tests and benchmarks can make the portal as slow, flaky
and strict as a real vendor portal on a bad day, without touching its code.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

ENV_PREFIX = "EMR_SANDBOX_"


@dataclass
class PortalConfig:
    """Everything ``create_app`` needs; the fault knobs are only the start values."""

    username: str = "frontdesk"
    password: str = "demo-password"
    db: str = ""
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    idle_lock_seconds: float = 300.0
    session_seconds: float = 3600.0
    whats_new_rate: float = 0.0
    static_latency: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.db:
            # A fresh file per process: two sandboxes never share a database by accident.
            fd, path = tempfile.mkstemp(prefix="emr-sandbox-", suffix=".sqlite3")
            os.close(fd)
            self.db = path

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PortalConfig:
        """Build from a dict, ignoring ``None`` values so that unset CLI flags do not win."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            if value is None or name not in known:
                continue
            kwargs[name] = _coerce(known[name].type, value)
        return cls(**kwargs)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> PortalConfig:
        """Env vars first, then ``overrides`` (the CLI) on top."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw not in (None, ""):
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_mapping(values)


def _coerce(type_name: Any, value: Any) -> Any:
    """Dataclass field types are strings under ``from __future__ import annotations``."""
    text = str(type_name)
    if text.startswith("float"):
        return float(value)
    if text.startswith("int"):
        return int(value)
    return str(value)
