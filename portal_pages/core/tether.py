"""Tie chromedriver and its Chromium to the worker process that started them.

Run as ``python tether.py CHROMEDRIVER [ARGS...]`` (``driver.py`` does this in
place of starting chromedriver itself). A pool child killed by any signal,
SIGKILL included, cannot quit its browser, and chromedriver plus about nine
Chromium processes (about 1 GB) would outlive it until the whole worker stops.
This small parent in between makes that impossible:

* the kernel sends it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``; the
  parent is the thread that started the browser, which in a prefork pool child
  is the process's main thread);
* it is a child subreaper (``PR_SET_CHILD_SUBREAPER``), so Chromium processes
  orphaned by a dying chromedriver are re-parented to it, not to init;
* on any exit it kills every descendant left (chromedriver, Chromium, the
  crash handler Chromium detaches), then exits.

chromedriver and Chromium stay in the worker's process group, so a signal to
the whole group (a supervisor stopping the worker) reaches them directly.

Standard library only, and run as a file rather than a module, so it starts
in milliseconds without importing the package.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return out


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _kill_everything() -> None:
    for _ in range(50):  # bounded: a process may fork while we look
        left = _descendants(os.getpid())
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # exited meanwhile
        for _pid in left:
            try:
                os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: tether.py PROGRAM [ARGS...]", file=sys.stderr)  # noqa: T201
        return 2
    parent = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the line above took effect
        return 1
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    child = subprocess.Popen(argv)  # noqa: S603 - our own argv

    def _stop(signum, _frame):
        _kill_everything()
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _stop)
    code = child.wait()
    _kill_everything()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
