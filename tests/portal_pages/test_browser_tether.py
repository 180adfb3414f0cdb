"""A browser dies with the process that started it, however that process dies.

A process starts a browser through the product's driver factory (as a worker's
pool child does), reports its own pid, and is then killed with SIGKILL or
SIGTERM. Every process of its browser (tether, chromedriver, Chromium) must be
gone within seconds: these are the orphans a killed pool child used to leak.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.support.procs import alive, descendants
from tests.support.servers import ROOT, wait_until

pytestmark = pytest.mark.browser

CHILD = """
import os, sys
from portal_pages.core.driver import start_driver
from syncapp.settings import Settings
driver = start_driver(Settings())
driver.get("about:blank")
print(os.getpid(), flush=True)
sys.stdin.read()  # hold the browser until killed
"""


@pytest.mark.parametrize(
    "sig,group",
    [(signal.SIGKILL, False), (signal.SIGTERM, False), (signal.SIGKILL, True)],
    ids=["SIGKILL", "SIGTERM", "SIGKILL-whole-group"],
)
def test_killed_process_leaves_no_browser_behind(sig, group):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium/chromedriver are not installed (make browser)")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "SE_OFFLINE": "true"},
        start_new_session=True,  # as a worker started by a supervisor: a group of its own
    )
    try:
        pid = int(proc.stdout.readline())
        browser = descendants(pid)
        names = {open(f"/proc/{p}/comm").read().strip() for p in browser if alive(p)}
        assert "chromedriver" in names and any("chrom" in n for n in names - {"chromedriver"})
        if group:  # the whole worker at once: the process, its tether, everything
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
        proc.wait(timeout=10)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not any(alive(p) for p in browser), timeout=15, what="no browser")
        orphans = sorted(p for p in browser if alive(p))
        assert orphans == [], f"{len(orphans)} of {len(browser)} browser processes outlived it"
    finally:
        if proc.poll() is None:
            proc.kill()
