"""Fail closed: in production no process starts with a missing, short or default secret.

``SYNC_ENV=production`` is the default, so a deployment that forgets to configure
the service gets a process that refuses to start and says why, one line per
problem naming the variable, instead of one that runs with ``change-me``. The web
app (``create_app``, hence ``python -m syncapp`` and gunicorn's factory), the Celery
worker (its ``worker_init`` signal) and ``flowerconfig.py`` all call ``enforce``.
``make demo``, ``make up`` and the tests set ``SYNC_ENV=development``.
"""

from __future__ import annotations

import re
import sys

from cryptography.fernet import Fernet

from syncapp.settings import Settings
from syncapp.sfid import is_org_id

MIN_SECRET = 32  # characters of a shared secret (cookie key, HMAC secret, URL secret)
MIN_PASSWORD = 16  # characters of a basic-auth password
# Values that appear in this repository's docs, examples, sandboxes and tests.
KNOWN_DEFAULTS = ("change-me", "changeme", "dev-only", "demo-password", "test-signing", "secret")
_URL_SAFE = re.compile(r"[A-Za-z0-9_\-]+")
CHANNELS = {"outbound-message", "apex-callout"}


EXIT_STATUS = 3  # gunicorn's WORKER_BOOT_ERROR: its arbiter stops instead of respawning


class ConfigurationError(SystemExit):
    """Raised (exit status 3) when production settings are unsafe; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(EXIT_STATUS)
        self.problems = problems


def _is_default(value: str) -> bool:
    low = value.lower()
    return any(word in low for word in KNOWN_DEFAULTS)


def _secret(name: str, value: str, *, url_safe: bool = False) -> list[str]:
    if not value:
        return [f"{name} is missing"]
    if _is_default(value):
        return [f"{name} is a documented default or example value"]
    if len(value) < MIN_SECRET:
        return [f"{name} is too short ({len(value)} characters; at least {MIN_SECRET})"]
    if url_safe and not _URL_SAFE.fullmatch(value):
        return [f"{name} must use only letters, digits, '-' and '_' (it is a URL path segment)"]
    return []


def _basic_auth(name: str, value: str) -> list[str]:
    if not value:
        return [f"{name} is missing (user:password)"]
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        return [f"{name} must be user:password"]
    if _is_default(password):
        return [f"{name} uses a documented default password"]
    if len(password) < MIN_PASSWORD:
        return [f"{name} password is too short (at least {MIN_PASSWORD} characters)"]
    return []


def _encryption_key(value: str) -> list[str]:
    if not value:
        return ["SYNC_ENCRYPTION_KEY is missing (no generated key in production)"]
    for key in (k.strip() for k in value.split(",") if k.strip()):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return ["SYNC_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)"]
    return []


def _org_ids(value: str) -> list[str]:
    ids = [o.strip() for o in value.split(",") if o.strip()]
    if not ids:
        return ["SF_ALLOWED_ORG_IDS is missing"]
    if not all(is_org_id(o) for o in ids):
        return ["SF_ALLOWED_ORG_IDS holds a value that is not an org id (00D…, 15 or 18 chars)"]
    return []


def problems(s: Settings) -> list[str]:
    """Every reason these settings are unsafe for production (empty when they are fine)."""

    def reveal(secret) -> str:
        return secret.get_secret_value() if secret is not None else ""

    found = _secret("FLASK_SECRET_KEY", reveal(s.flask_secret_key))
    found += _encryption_key(reveal(s.sync_encryption_key))
    found += _basic_auth("ADMIN_BASIC_AUTH", reveal(s.admin_basic_auth))
    found += _basic_auth("FLOWER_BASIC_AUTH", reveal(s.flower_basic_auth))
    channels = s.inbound_channels
    if channels - CHANNELS:
        found.append("SF_INBOUND_CHANNELS names an unknown channel")
    if "outbound-message" in channels:
        found += _secret(
            "SF_OUTBOUND_MESSAGE_SECRET", reveal(s.sf_outbound_message_secret), url_safe=True
        )
    if "apex-callout" in channels:
        found += _secret("SF_SIGNING_SECRET", reveal(s.sf_signing_secret))
    found += _org_ids(s.sf_allowed_org_ids)
    return found


def enforce(s: Settings, role: str) -> None:
    """In production, write each problem on its own line to stderr and exit (status 3)."""
    if not s.production:
        return
    found = problems(s)
    if found:
        for problem in found:
            sys.stderr.write(f"sf-emr-sync {role}: refusing to start: {problem}\n")
        sys.stderr.flush()
        raise ConfigurationError(found)
