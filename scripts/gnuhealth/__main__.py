"""``python -m scripts.gnuhealth up|stop|reset|status|drop`` (``make gnuhealth`` = up).

``drop`` stops the server and removes its database and pristine copy for good.
"""

from __future__ import annotations

import sys

from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.server import answers, drop, reset, stop, up


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "up"
    lay = Layout.from_env()
    if cmd == "up":
        up(lay)
        print(f"GNU Health is up: {lay.url}#{lay.database}")
        print(f"  database {lay.database}, login admin / {lay.password}")
        print(f"  files in {lay.dir}; stop with: make gnuhealth-stop")
    elif cmd == "stop":
        stop(lay)
        print("GNU Health stopped")
    elif cmd == "reset":
        reset(lay)
    elif cmd == "drop":
        drop(lay)
        print(f"GNU Health database {lay.database} dropped")
    elif cmd == "status":
        print("up" if answers(lay) else "down")
        return 0 if answers(lay) else 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
