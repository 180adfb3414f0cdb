"""Start, stop and reset the GNU Health server (trytond serving SAO) on 127.0.0.1.

trytond runs in its own process group with its pid in ``trytond.pid``, so stop
ends exactly the server this project started. Ready = SAO's index answers.
A reset copies the pristine database back (SQLite: a file copy; PostgreSQL: a
template) and restarts, in seconds rather than the ~50 s of a fresh init.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from scripts.gnuhealth.install import database_ready, drop_database, install, say
from scripts.gnuhealth.layout import Layout


def answers(lay: Layout) -> bool:
    try:
        with urllib.request.urlopen(lay.url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _pid(lay: Layout) -> int | None:
    try:
        pid = int(lay.pidfile.read_text())
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child, exited: reaped
                return None
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _running_timeout(lay: Layout) -> int | None:
    try:
        for line in lay.conf.read_text().splitlines():
            if line.startswith("timeout"):
                return int(line.split("=")[1])
    except (OSError, ValueError):
        pass
    return None


def start(lay: Layout, timeout: float = 60) -> None:
    if _pid(lay) and answers(lay):
        if _running_timeout(lay) == lay.session_timeout:
            return
        stop(lay)  # same server, other session timeout: restart with the new config
    elif answers(lay):
        raise SystemExit(f"port {lay.port} is taken by another server (not {lay.pidfile})")
    else:
        stop(lay)  # ours on another port (one server per database: ``Layout.pidfile``)
    lay.conf.write_text(lay.config_text())
    with lay.log.open("ab") as log:
        proc = subprocess.Popen(
            [str(lay.bin("trytond")), "-c", str(lay.conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    lay.pidfile.write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not answers(lay):
        if proc.poll() is not None:
            raise SystemExit(f"trytond exited ({proc.returncode}); see {lay.log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"trytond did not answer within {timeout:.0f} s; see {lay.log}")
        time.sleep(0.1)  # polling the port until the server answers


def stop(lay: Layout) -> None:
    pid = _pid(lay)
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:  # already gone (a zombie of ours still answers kill(pid, 0))
        pass
    deadline = time.monotonic() + 15
    while _pid(lay) is not None and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)  # polling for the process to exit
    if _pid(lay) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    lay.pidfile.unlink(missing_ok=True)


def up(lay: Layout) -> None:
    """Install whatever is missing, then make sure the server answers."""
    if _pid(lay) and answers(lay) and database_ready(lay):
        start(lay)  # restarts only if the session timeout changed
        return
    stop(lay)
    install(lay)
    start(lay)


def reset(lay: Layout) -> None:
    """Back to the pristine database (installed on first use), server restarted."""
    if not database_ready(lay):
        up(lay)
    stop(lay)
    if lay.sqlite:
        shutil.copy2(lay.pristine_file, lay.db_file)
    else:
        from scripts.gnuhealth import pg

        pg.recreate(lay, lay.database, template=lay.pristine_database)
    start(lay)
    say(f"reset to the pristine database at {lay.url}")


def drop(lay: Layout) -> None:
    """Stop the server and remove its database for good (a test's own database, say)."""
    stop(lay)
    drop_database(lay)
