"""Fixtures for the force-app checks: the Apex parser (Node) and the metadata tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FORCE_APP = REPO / "force-app" / "main" / "default"
PARSE_SCRIPT = HERE / "parse_apex.js"
PARSER_PACKAGE = HERE / "node_modules" / "@apexdevtools" / "apex-parser" / "package.json"


@pytest.fixture(scope="session")
def apex_parser() -> list[str]:
    """The command that syntax-checks Apex files; installs the pinned parser on first use."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Apex syntax check needs Node.js 20+")
    if not PARSER_PACKAGE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install @apexdevtools/apex-parser")
        # npm ci installs exactly what package-lock.json pins.
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return [node, str(PARSE_SCRIPT)]


def run_parser(command: list[str], *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, timeout=120)
