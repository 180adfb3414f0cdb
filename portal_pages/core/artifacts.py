"""Failure captures (screenshot + page HTML), encrypted at rest, with a retention cap.

A screenshot of a chart is patient data, so both files are Fernet-encrypted
before they touch the disk and named only by record id, UTC timestamp and
failure kind. The directory keeps at most ``retention`` captures; the oldest go
first, so a portal outage cannot fill the disk.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver

from syncapp.crypto import get_fernet

log = logging.getLogger(__name__)

SUFFIXES = (".png.fernet", ".html.fernet")
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def capture_name(record_id: str | None, kind: str, when: datetime | None = None) -> str:
    """``<record>_<YYYYmmddTHHMMSSffffffZ>_<kind>``: identifiers only, never patient values."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    record = _SAFE.sub("-", record_id or "no-record")[:40]
    return f"{record}_{stamp}_{_SAFE.sub('-', kind)[:40]}"


def _write_encrypted(path: Path, data: bytes) -> None:
    token = get_fernet().encrypt(data)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(token)


def capture_failure(
    driver: WebDriver, directory: Path, *, record_id: str | None, kind: str, retention: int
) -> list[Path]:
    """Save an encrypted screenshot and HTML of the current page; never raises."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        base = capture_name(record_id, kind)
        written = []
        png = directory / f"{base}.png.fernet"
        _write_encrypted(png, driver.get_screenshot_as_png())
        written.append(png)
        html = directory / f"{base}.html.fernet"
        _write_encrypted(html, driver.page_source.encode("utf-8"))
        written.append(html)
    except Exception:  # noqa: BLE001 - a failed capture must not mask the real failure
        log.warning("failure capture incomplete", extra={"step": "capture", "kind": kind})
        return []
    finally:
        prune(directory, retention)
    log.info("failure captured", extra={"step": "capture", "kind": kind, "count": len(written)})
    return written


def _capture_key(path: Path) -> str:
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return ""


def prune(directory: Path, retention: int) -> None:
    """Keep the newest ``retention`` captures (a capture = all files sharing a base name)."""
    if not directory.is_dir():
        return
    groups: dict[str, list[Path]] = {}
    for path in directory.iterdir():
        key = _capture_key(path)
        if key:
            groups.setdefault(key, []).append(path)

    def age(key: str) -> tuple[float, str]:
        stamp = key.split("_")[-2] if key.count("_") >= 2 else ""
        return (max(p.stat().st_mtime for p in groups[key]), stamp)

    for key in sorted(groups, key=age)[: max(0, len(groups) - max(retention, 0))]:
        for path in groups[key]:
            path.unlink(missing_ok=True)
