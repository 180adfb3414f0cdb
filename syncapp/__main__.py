"""``python -m syncapp --port 8000``: the web app on werkzeug, for demos and tests.

Production runs ``gunicorn 'syncapp.web.app:create_app()'`` (see the Procfile).
"""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from syncapp.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m syncapp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    run_simple(args.host, args.port, create_app(), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
