"""``python -m syncapp.audit export|prune``: the audit trail for a compliance review.

``export --since DATE [--record ID] [--format jsonl|csv]`` writes one line per
changed field (or per attempt that changed nothing): ids, outcome, section and
field names. ``--decrypt`` adds the values before and after — only with the key
at hand, and with a warning on stderr, because the output then holds patient data.
``prune`` deletes rows older than ``AUDIT_RETENTION_DAYS``: the only deletion.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TextIO

from syncapp.crypto import InvalidToken, get_fernet
from syncapp.opsconfig import get_ops_settings

COLUMNS = (
    "at",
    "record_id",
    "job_id",
    "attempt",
    "emr_patient_id",
    "outcome",
    "failure_kind",
    "chart_created",
    "worker",
    "duration_ms",
    "section",
    "field",
)
WARNING = (
    "WARNING: --decrypt writes patient values in clear. Keep the output on an encrypted "
    "disk, share it only with the reviewer, and delete it after the review.\n"
)


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m syncapp.audit", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write audit rows as JSON lines or CSV")
    ex.add_argument("--since", required=True, type=_day, help="first day (YYYY-MM-DD, UTC)")
    ex.add_argument("--record", help="one Salesforce record id")
    ex.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    ex.add_argument("--decrypt", action="store_true", help="add values (needs the key)")
    sub.add_parser("prune", help="delete rows older than AUDIT_RETENTION_DAYS")
    return p.parse_args(argv)


def _plain(token: bytes | None) -> str | None:
    if token is None:
        return None
    try:
        return get_fernet().decrypt(bytes(token)).decode()
    except InvalidToken:
        return "<undecryptable: wrong key>"


def rows(attempts, *, decrypt: bool) -> Iterator[dict]:
    """Flatten attempts into one row per changed field (names; values only if ``decrypt``)."""
    for a in attempts:
        base = {k: a[k] for k in COLUMNS if k in a}
        base["at"] = a["at"].isoformat()
        base["not_stored"] = a["not_stored"]
        base["timings_ms"] = a["timings_ms"]
        for ch in a["changes"] or [None]:
            row = {**base, "section": ch and ch["section"], "field": ch and ch["field"]}
            if decrypt:
                row["old_value"] = ch and _plain(ch["old_value"])
                row["new_value"] = ch and _plain(ch["new_value"])
            yield row


def write(out: TextIO, fmt: str, items: Iterator[dict], decrypt: bool) -> int:
    n = 0
    if fmt == "jsonl":
        for row in items:
            out.write(json.dumps(row, default=str) + "\n")
            n += 1
        return n
    cols = [*COLUMNS, "not_stored", "timings_ms"] + (["old_value", "new_value"] if decrypt else [])
    w = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for row in items:
        flat = {"not_stored": ",".join(row["not_stored"] or [])}
        w.writerow({**row, **flat, "timings_ms": json.dumps(row["timings_ms"])})
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    from syncapp.audit.store import open_audit
    from syncapp.settings import get_settings

    args = parse_args(argv)
    ops = get_ops_settings()
    trail = open_audit(ops, get_settings())
    if args.command == "prune":
        days = ops.audit_retention_days
        sys.stderr.write(f"deleted {trail.prune(days)} attempts older than {days} days\n")
        return 0
    if args.decrypt:
        sys.stderr.write(WARNING)
    attempts = trail.attempts(since=args.since, record_id=args.record)
    n = write(sys.stdout, args.format, rows(attempts, decrypt=args.decrypt), args.decrypt)
    sys.stderr.write(f"{n} rows\n")
    return 0
