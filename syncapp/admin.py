"""Who may connect or disconnect Salesforce: an administrator, not anyone who can reach us.

With ``ADMIN_BASIC_AUTH`` (``user:password``) set, the admin pages ask for it.
Without it, they answer only to requests from this machine (loopback), which is
what a first local set-up needs and nothing more; a deployment sets the secret.
"""

from __future__ import annotations

import hmac
from functools import wraps
from ipaddress import ip_address

from flask import Response, current_app, request


def _is_loopback(addr: str | None) -> bool:
    try:
        return addr is not None and ip_address(addr).is_loopback
    except ValueError:
        return False


def admin_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        secret = current_app.config["SYNC_SETTINGS"].admin_basic_auth
        if secret is None:
            if _is_loopback(request.remote_addr):
                return view(*args, **kwargs)
            return Response("Admin pages are local-only until ADMIN_BASIC_AUTH is set.\n", 403)
        auth = request.authorization
        expected = secret.get_secret_value()
        given = f"{auth.username}:{auth.password}" if auth and auth.type == "basic" else ""
        if given and hmac.compare_digest(given.encode(), expected.encode()):
            return view(*args, **kwargs)
        return Response(
            "Authentication required.\n",
            401,
            {"WWW-Authenticate": 'Basic realm="sf-emr-sync admin"'},
        )

    return guarded
