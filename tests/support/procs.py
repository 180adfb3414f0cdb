"""The process tree as /proc shows it, for tests that count what a kill leaves behind."""

from __future__ import annotations

import os


def _stat_fields(pid: int | str) -> list[bytes] | None:
    """The fields after the command name in /proc/PID/stat (state first), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat[stat.rfind(b")") + 2 :].split()


def ppid(pid: int) -> int:
    """The parent of ``pid``; 0 when it is gone."""
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else 0


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie holds no memory (its parent reaps it)."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] != b"Z"


def children_by_parent() -> dict[int, list[int]]:
    """Every live process, grouped by its parent's pid."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry))
    return parents


def descendants(pid: int) -> set[int]:
    """Children, grandchildren and so on of ``pid``."""
    parents = children_by_parent()
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found
