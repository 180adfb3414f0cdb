"""``python -m portal_pages upsert|diff --bundle FILE.json [--url URL] [--emr-id MRN]``.

``python -m portal_pages check [--url URL] [--emr-id MRN]``: the selector-drift
check (``portal_pages.drift``); exits 1 naming each page object and selector
that no longer matches.

For page-object maintainers: run one bundle against a portal and see what the
sync would change (``diff``, a dry run) or changes (``upsert``). Credentials come
from ``EMR_USERNAME`` / ``EMR_PASSWORD``. Prints one JSON object; on failure
``{"error": kind, "message": ...}`` and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from portal_pages.client import PortalClient
from syncapp.bundle import validate_bundle
from syncapp.errors import SyncError
from syncapp.logs import configure_logging
from syncapp.settings import get_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m portal_pages", description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("upsert", "diff", "check"))
    p.add_argument("--bundle", type=Path, help="patient bundle JSON file (upsert, diff)")
    p.add_argument("--url", help="portal base URL (default: EMR_URL)")
    p.add_argument("--emr-id", help="the chart's EMR id, if known")
    p.add_argument("--portal", help="adapter name (default: EMR_PORTAL)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level)
    overrides = {k: v for k, v in (("emr_url", args.url), ("emr_portal", args.portal)) if v}
    settings = settings.model_copy(update=overrides)
    if args.command == "check":
        from portal_pages.drift_run import cli

        return cli(settings, args.emr_id or None)
    if args.bundle is None:
        print(json.dumps({"error": "bad_input", "message": "--bundle is required"}))
        return 2
    try:
        data = json.loads(args.bundle.read_text())
    except (OSError, ValueError) as exc:
        print(
            json.dumps(
                {"error": "bad_input", "message": f"cannot read bundle: {type(exc).__name__}"}
            )
        )
        return 2
    client = PortalClient.from_settings(settings)
    try:
        bundle = validate_bundle(data)
        result = client.upsert(bundle, emr_patient_id=args.emr_id, dry_run=args.command == "diff")
    except SyncError as exc:
        print(json.dumps({"error": exc.kind, "message": str(exc)}))
        return 1
    finally:
        client.close()
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
