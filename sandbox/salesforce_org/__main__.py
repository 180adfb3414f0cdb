"""``python -m sandbox.salesforce_org --port PORT [--host H] [--db PATH]``.

Serves the org with werkzeug's threaded server (plain HTTP and TLS on the same
port, see ``tls.py``). Settings come from ``SF_SANDBOX_*``; flags win.
"""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from sandbox.salesforce_org import config, tls
from sandbox.salesforce_org.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.salesforce_org")
    parser.add_argument("--host", default=os.environ.get("SF_SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SF_SANDBOX_PORT", "8002")))
    parser.add_argument(
        "--db", help="SQLite path (default: SF_SANDBOX_DB or .data/salesforce-org.sqlite3)"
    )
    parser.add_argument(
        "--tls-cert-file", help="write the org's self-signed certificate (PEM) here"
    )
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP only")
    args = parser.parse_args(argv)

    overrides: dict[str, object] = {}
    if args.db:
        overrides["db"] = args.db
    if args.tls_cert_file:
        overrides["tls_cert_file"] = args.tls_cert_file
    if args.no_tls:
        overrides["tls"] = False
    settings = config.load(overrides)
    if not settings["instance_url"]:
        overrides["instance_url_hint"] = f"http://{args.host}:{args.port}"

    context = None
    if settings["tls"]:
        cert_pem, key_pem = tls.self_signed_pem()
        context = tls.server_context(cert_pem, key_pem)
        overrides["tls_cert_pem"] = cert_pem.decode()
        if settings["tls_cert_file"]:
            with open(settings["tls_cert_file"], "wb") as fh:
                fh.write(cert_pem)

    app = create_app(overrides)
    print(
        f"Salesforce sandbox org on http://{args.host}:{args.port} (db {settings['db']})",
        flush=True,
    )
    run_simple(
        args.host,
        args.port,
        app,
        threaded=True,
        use_reloader=False,
        use_debugger=False,
        request_handler=tls.dual_protocol_handler(context),
    )


if __name__ == "__main__":
    main()
