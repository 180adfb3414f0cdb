"""Declare every exchange and queue the service uses (idempotent, safe at every start)."""

from __future__ import annotations

from syncapp.enqueue import declare_topology
from tasks.celery_app import app


def declare_all() -> None:
    declare_topology(app)
