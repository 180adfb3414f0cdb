"""``make demo`` works on a machine without RabbitMQ and Redis (the embedded default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_on_the_embedded_default(tmp_path):
    env = {**os.environ, "SYNC_BACKEND": "embedded", "SYNC_DATA_DIR": str(tmp_path)}
    env.pop("SYNC_QUEUE_PREFIX", None)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert out.splitlines()[0].startswith("backend: embedded default")
    assert out.count(" yes") >= 5
    assert "fields written in the EMR: ['guardians.phone']" in out
    assert "OK: 5 patients verified" in out
    assert "stopped everything" in out
