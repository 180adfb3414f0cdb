"""``python -m portal_pages.captures list | open NAME [--out DIR]``: read failure captures.

A failed portal step leaves an encrypted screenshot and page HTML in
``EMR_ARTIFACT_DIR`` (see ``portal_pages.core.artifacts``). This is how the person
on call looks at one: ``list`` shows names only (record id, time, failure kind);
``open`` decrypts one capture into a private directory (mode 0700), because the
decrypted files show patient data. Delete them when done.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal_pages.core.artifacts import SUFFIXES, _capture_key
from syncapp.crypto import InvalidToken, get_fernet
from syncapp.settings import get_settings


def list_captures(directory: Path) -> list[str]:
    """Capture names, newest first (names hold identifiers only)."""
    if not directory.is_dir():
        return []
    names = {_capture_key(p) for p in directory.iterdir()} - {""}
    return sorted(names, key=lambda n: n.split("_")[-2] if n.count("_") >= 2 else "", reverse=True)


def open_capture(directory: Path, name: str, out: Path) -> list[Path]:
    """Decrypt capture ``name`` into ``out``; raise ``FileNotFoundError`` or ``InvalidToken``."""
    sources = [directory / f"{name}{suffix}" for suffix in SUFFIXES]
    present = [p for p in sources if p.exists()]
    if not present or "/" in name:
        raise FileNotFoundError(name)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    fernet = get_fernet()
    written = []
    for path in present:
        target = out / path.name.removesuffix(".fernet")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fernet.decrypt(path.read_bytes()))
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_pages.captures")
    parser.add_argument("command", choices=("list", "open"))
    parser.add_argument("name", nargs="?", help="capture name (from list)")
    parser.add_argument("--out", type=Path, default=Path("captures-decrypted"))
    args = parser.parse_args(argv)
    directory = get_settings().emr_artifact_dir
    if args.command == "list":
        for name in list_captures(directory):
            print(name)
        return 0
    if not args.name:
        parser.error("open needs a capture name")
    try:
        files = open_capture(directory, args.name, args.out)
    except FileNotFoundError:
        print(f"no capture named {args.name!r} in {directory}", file=sys.stderr)
        return 1
    except InvalidToken:
        print(
            "cannot decrypt: SYNC_ENCRYPTION_KEY is not the key it was written with",
            file=sys.stderr,
        )
        return 1
    for path in files:
        print(path)
    print("These files show patient data: delete them when done.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
