"""Who may connect or disconnect Salesforce: an administrator, not anyone who can reach us.

* **Production**: the admin pages always ask for ``ADMIN_BASIC_AUTH``
  (``user:password``; start-up refuses to run without it). There is no loopback
  exemption: behind a same-host reverse proxy every remote client *is* loopback.
* **Development** without the secret: only requests from this machine, which is
  what a first local set-up (``make up``) needs and nothing more.
* **State-changing requests** (anything but GET/HEAD/OPTIONS) must come from our
  own origin: their ``Origin`` (or, lacking it, ``Referer``) must be
  ``PUBLIC_BASE_URL``'s origin or the request's own host. Browsers attach basic
  credentials to cross-site form posts, so without this check any web page an
  administrator visits could disconnect Salesforce (CSRF). A client that sends
  neither header (curl, scripts) must send ``Origin`` itself.
"""

from __future__ import annotations

import hmac
from functools import wraps
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Response, request

from syncapp.settings import Settings
from syncapp.web.services import services

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _is_loopback(addr: str | None) -> bool:
    try:
        return addr is not None and ip_address(addr).is_loopback
    except ValueError:
        return False


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(public_base_url: str) -> bool:
    """True when the request's Origin (else Referer) is ours; False when absent or foreign."""
    claimed = _origin(request.headers.get("Origin")) or _origin(request.headers.get("Referer"))
    if claimed is None:
        return False
    ours = {_origin(public_base_url), _origin(request.host_url)}
    return claimed in ours


def _credentials_ok(expected: str) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    given = f"{auth.username or ''}:{auth.password or ''}"
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def _settings() -> Settings:
    return services().settings


def admin_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        s = _settings()
        secret = s.admin_basic_auth.get_secret_value() if s.admin_basic_auth else ""
        if not secret:
            if s.production:
                return Response("Admin pages are closed until ADMIN_BASIC_AUTH is set.\n", 403)
            if not _is_loopback(request.remote_addr):
                return Response("Admin pages are local-only until ADMIN_BASIC_AUTH is set.\n", 403)
        elif not _credentials_ok(secret):
            return Response(
                "Authentication required.\n",
                401,
                {"WWW-Authenticate": 'Basic realm="sf-emr-sync admin"'},
            )
        if request.method not in SAFE_METHODS and not same_origin(s.public_base_url):
            return Response("Cross-origin request refused (Origin must be this service).\n", 403)
        return view(*args, **kwargs)

    return guarded
