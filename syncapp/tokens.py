"""The Salesforce OAuth token, shared by the web app and every worker process.

The token lives as ONE Fernet-encrypted value in the key-value store (Redis in
production, SQLite when embedded), so that all processes use the same access
token and a refresh by one is seen by all. Refreshes are serialised with the
store's lock: Salesforce hands out a new access token per refresh, and a
thundering herd of workers refreshing at once would waste API calls and race
each other's writes. Tokens are never logged; errors name the grant, not values.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import requests
from oauthlib.oauth2 import LegacyApplicationClient, OAuth2Error
from requests_oauthlib import OAuth2Session

from syncapp import keys, steps
from syncapp.crypto import InvalidToken, get_fernet
from syncapp.errors import ReauthorizationRequired, SalesforceUnavailable
from syncapp.kv import KeyValueStore, LockNotAcquired
from syncapp.settings import Settings

log = logging.getLogger(__name__)
# Both libraries log whole token responses at DEBUG; keep them quiet even when a
# script turns the root logger to DEBUG without ``configure_logging``.
for _noisy in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

TOKEN_TIMEOUT = 20.0  # seconds for a token endpoint call
_RETRYABLE_OAUTH_ERRORS = {"rate_limit_exceeded", "server_error", "temporarily_unavailable"}


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str
    refresh_token: str | None = None
    id: str | None = None  # identity URL: https://login.../id/<org id>/<user id>
    issued_at: str | None = None  # Salesforce sends epoch milliseconds as a string

    def __repr__(self) -> str:  # a stray repr must not print the secrets
        return f"Token(instance_url={self.instance_url!r}, issued_at={self.issued_at!r})"

    @classmethod
    def from_response(cls, data: dict[str, Any], previous: Token | None = None) -> Token:
        """Build from a token endpoint answer; a refresh answer carries no refresh token."""
        return cls(
            access_token=data["access_token"],
            instance_url=data.get("instance_url") or (previous.instance_url if previous else ""),
            refresh_token=data.get("refresh_token")
            or (previous.refresh_token if previous else None),
            id=data.get("id") or (previous.id if previous else None),
            issued_at=str(data["issued_at"]) if data.get("issued_at") else None,
        )

    @property
    def org_id(self) -> str | None:
        parts = urlparse(self.id or "").path.strip("/").split("/")
        return parts[1] if len(parts) >= 3 and parts[0] == "id" else None

    @property
    def issued_at_iso(self) -> str | None:
        try:
            return datetime.fromtimestamp(int(self.issued_at or "") / 1000, UTC).isoformat()
        except ValueError:
            return None


def oauth_url(settings: Settings, endpoint: str) -> str:
    """``{sf_login_url}/services/oauth2/<endpoint>``; plain http only for a loopback sandbox."""
    base = settings.sf_login_url.rstrip("/")
    parsed = urlparse(base)
    if parsed.scheme != "https":
        if parsed.scheme != "http" or parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ReauthorizationRequired("SF_LOGIN_URL must be an https:// URL")
        # oauthlib refuses http outright; the sandbox org on this machine is the exception.
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return f"{base}/services/oauth2/{endpoint}"


def _check_http_status(response: requests.Response) -> requests.Response:
    """requests-oauthlib hook: a 5xx/429 page is an outage, not an OAuth answer."""
    if response.status_code >= 500 or response.status_code == 429:
        raise SalesforceUnavailable(
            f"Salesforce token endpoint answered {response.status_code}", step="token"
        )
    return response


def token_session(**kwargs: Any) -> OAuth2Session:
    session = OAuth2Session(**kwargs)
    for hook in ("access_token_response", "refresh_token_response"):
        session.register_compliance_hook(hook, _check_http_status)
    return session


class TokenStore:
    """Load, save, clear and refresh the one Salesforce token (see the module docstring)."""

    def __init__(
        self,
        store: KeyValueStore,
        settings: Settings,
        *,
        namespace: str = keys.TOKEN_NAMESPACE,
        lock_timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.namespace = namespace
        self.key = keys.token(namespace)
        self.lock_name = keys.token_refresh(namespace)
        self.lock_timeout = lock_timeout

    def pending_key(self, state: str) -> str:
        """Where an OAuth sign-in in progress keeps its PKCE verifier."""
        return keys.token_pending(state, self.namespace)

    # --- storage -------------------------------------------------------------
    def load(self) -> Token | None:
        raw = self.store.get(self.key)
        if raw is None:
            return None
        try:
            return Token(**json.loads(get_fernet().decrypt(raw)))
        except (InvalidToken, ValueError, TypeError):
            log.error(
                "stored Salesforce token is unreadable (key changed?)", extra={"step": "token"}
            )
            return None

    def save(self, token: Token) -> None:
        self.store.set(self.key, get_fernet().encrypt(json.dumps(asdict(token)).encode()))

    def clear(self) -> None:
        self.store.delete(self.key)

    # --- use ------------------------------------------------------------------
    def current(self) -> Token:
        """The stored token; with none, the password grant if configured, else re-authorise."""
        token = self.load()
        if token is not None:
            return token
        return self.refresh(stale_access_token=None)

    def refresh(self, stale_access_token: str | None) -> Token:
        """Replace ``stale_access_token``, once across all processes.

        Raises ``ReauthorizationRequired`` when the refresh token is revoked (the
        stored token is cleared) and ``SalesforceUnavailable`` on outages.
        """
        start = time.monotonic()
        try:
            with self.store.lock(self.lock_name, timeout=self.lock_timeout, wait=self.lock_timeout):
                token = self.load()
                if token is not None and token.access_token != stale_access_token:
                    return token  # another process refreshed while we waited for the lock
                try:
                    new = self._grant(token)
                except Exception:
                    steps.observed("token_refresh", time.monotonic() - start, False)
                    raise
                self.save(new)
        except LockNotAcquired:
            raise SalesforceUnavailable("token refresh lock not acquired", step="token") from None
        steps.observed("token_refresh", time.monotonic() - start, True)
        log.info(
            "Salesforce token refreshed",
            extra={
                "step": "token_refresh",
                "duration_ms": round((time.monotonic() - start) * 1000),
            },
        )
        return new

    def _grant(self, token: Token | None) -> Token:
        s = self.settings
        if token is not None and token.refresh_token:
            session = token_session(client_id=s.sf_client_id)
            try:
                data = session.refresh_token(
                    oauth_url(s, "token"),
                    refresh_token=token.refresh_token,
                    client_id=s.sf_client_id,
                    client_secret=s.sf_client_secret.get_secret_value(),
                    timeout=TOKEN_TIMEOUT,
                )
            except OAuth2Error as exc:
                if exc.error == "invalid_grant":
                    self.clear()  # revoked or expired: nothing stored is usable any more
                raise _oauth_failure(exc, "refresh") from None
            except requests.RequestException:
                raise SalesforceUnavailable(
                    "Salesforce token endpoint unreachable", step="refresh"
                ) from None
            return Token.from_response(data, previous=token)
        if s.sf_username:
            return password_grant(s)
        raise ReauthorizationRequired(step="token")


def _oauth_failure(exc: OAuth2Error, step: str) -> Exception:
    if exc.error in _RETRYABLE_OAUTH_ERRORS:
        return SalesforceUnavailable(f"Salesforce token endpoint: {exc.error}", step=step)
    if exc.error == "invalid_grant":
        return ReauthorizationRequired(step=step)
    return ReauthorizationRequired(
        f"Salesforce refused the {step} grant ({exc.error}): check the connected app "
        "settings, then re-authorise at /oauth/login",
        step=step,
    )


def password_grant(settings: Settings) -> Token:
    """The username-password grant (scripts, demo, sandbox only): no refresh token."""
    session = token_session(client=LegacyApplicationClient(client_id=settings.sf_client_id))
    try:
        data = session.fetch_token(
            oauth_url(settings, "token"),
            username=settings.sf_username,
            password=settings.sf_password.get_secret_value(),
            client_id=settings.sf_client_id,
            client_secret=settings.sf_client_secret.get_secret_value(),
            include_client_id=True,
            timeout=TOKEN_TIMEOUT,
        )
    except OAuth2Error as exc:
        raise _oauth_failure(exc, "password") from None
    except requests.RequestException:
        raise SalesforceUnavailable(
            "Salesforce token endpoint unreachable", step="password"
        ) from None
    return Token.from_response(data)


def connect_with_password(settings: Settings, tokens: TokenStore) -> Token:
    """Run the password grant and store the token, for scripts, the demo and tests."""
    token = password_grant(settings)
    tokens.save(token)
    log.info("Connected to Salesforce with the password grant", extra={"step": "connect"})
    return token


def revoke(settings: Settings, token: Token) -> None:
    """Revoke at Salesforce (the refresh token revokes its access tokens too); best effort."""
    try:
        requests.post(
            oauth_url(settings, "revoke"),
            data={"token": token.refresh_token or token.access_token},
            timeout=TOKEN_TIMEOUT,
        )
    except requests.RequestException:
        log.warning(
            "Salesforce revoke failed; the token is cleared locally", extra={"step": "revoke"}
        )
