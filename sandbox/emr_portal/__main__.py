"""``python -m sandbox.emr_portal --port PORT [--db PATH] [knobs...]``."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import sys

from werkzeug.serving import WSGIRequestHandler, run_simple

from .app import create_app
from .config import PortalConfig


class _QuietHandler(WSGIRequestHandler):
    """Log method, path and status but never the query string: searches carry names and DOBs."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s', self.command, path, code)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sandbox.emr_portal", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--db", help="SQLite path (default: EMR_SANDBOX_DB or a temp file)")
    p.add_argument("--username")
    p.add_argument("--password")
    p.add_argument("--latency-ms", type=float)
    p.add_argument("--jitter-ms", type=float)
    p.add_argument("--error-rate", type=float)
    p.add_argument("--idle-lock-seconds", type=float)
    p.add_argument("--session-seconds", type=float)
    p.add_argument("--whats-new-rate", type=float)
    p.add_argument(
        "--static-latency", type=float, help="1: latency applies to static files too (default 0)"
    )
    p.add_argument("--seed", type=int, help="seed for injected errors and the What's-new modal")
    return p.parse_args(argv)


def _remove_db(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if k not in ("host", "port")}
    config = PortalConfig.from_env(**overrides)
    if not args.db and not os.environ.get("EMR_SANDBOX_DB"):
        atexit.register(_remove_db, config.db)  # a temp database dies with its server
    # SIGTERM (how tests and `make down` stop us) should run atexit hooks too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(config)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(f"Demo EMR on http://{args.host}:{args.port}/  (db {config.db})", flush=True)
    run_simple(args.host, args.port, app, threaded=True, request_handler=_QuietHandler)


if __name__ == "__main__":
    main()
