"""PostgreSQL databases for GNU Health (only when ``GNUHEALTH_DB_URI`` says postgresql).

Run through GNU Health's own virtualenv, which has psycopg2; the product's does not
need it. A pristine copy is a template database, so a reset is one ``CREATE DATABASE``.
Connections go to the server's ``postgres`` database: the ones named here are
dropped and created, and PostgreSQL refuses that while anyone is connected to them.
"""

from __future__ import annotations

import subprocess

from scripts.gnuhealth.layout import Layout

_SCRIPT = """
import sys, psycopg2
action, uri, name, template = sys.argv[1:5]
conn = psycopg2.connect(uri.rstrip('/') + '/postgres')
conn.autocommit = True
cur = conn.cursor()
if action == 'exists':
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    sys.exit(0 if cur.fetchone() else 3)
cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
cur.execute('DROP DATABASE IF EXISTS "%s"' % name)
if action == 'recreate':
    cur.execute('CREATE DATABASE "%s"' % name + (' TEMPLATE "%s"' % template if template else ''))
"""


def _run(lay: Layout, action: str, name: str, template: str = "") -> int:
    cmd = [str(lay.python), "-c", _SCRIPT, action, lay.db_uri, name, template]
    done = subprocess.run(cmd, check=False)
    if done.returncode not in (0, 3):
        raise subprocess.CalledProcessError(done.returncode, f"pg {action} {name}")
    return done.returncode


def recreate(lay: Layout, name: str, template: str = "") -> None:
    """Drop ``name`` and create it again, empty or as a copy of ``template``."""
    _run(lay, "recreate", name, template)


def exists(lay: Layout, name: str) -> bool:
    return _run(lay, "exists", name) == 0


def drop(lay: Layout, name: str) -> None:
    _run(lay, "drop", name)
