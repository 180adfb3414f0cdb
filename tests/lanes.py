"""Test lanes: every test gets exactly one of ``unit``, ``services``, ``browser``, ``e2e``.

* ``unit``     - in-process only: no broker, no Redis, no browser, no server process.
                 ``make test-fast`` runs these (``-m unit``), on any machine.
* ``services`` - needs RabbitMQ, Redis, PostgreSQL, or a sandbox server as a subprocess.
* ``browser``  - drives headless Chromium (and the sandbox portal it browses).
* ``e2e``      - the whole stack as processes (web app, workers, both sandboxes).

A test or module may say its lane with an explicit mark; otherwise the lane
follows from where the test lives and which fixtures it uses, so a new test in
an existing area lands in the right lane without anyone remembering to mark it.
A test whose lane is not ``unit`` never runs in the fast lane, so the rule errs
towards the slower lanes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

LANES = ("unit", "services", "browser", "e2e")  # registered in pyproject.toml

_E2E_AREAS = {"e2e", "bench", "reliability"}
# Areas whose server fixtures come with a browser (page objects drive Chromium).
_BROWSER_AREAS = {"portal_pages"}
_BROWSER_FIXTURES = {"driver", "sandbox", "shared_client", "portal", "client"}
# Fixtures that start a sandbox server process or need the machine's broker / Redis.
_SERVICE_FIXTURES = {
    "services",
    "emr_server",
    "emr",
    "anon",
    "org_server",
    "org",
    "listener",
    "store_kind",
    "app",
    "client",
    "stack_factory",
    "system",
    "pg_url",
}
_SERVICE_PARAMS = {"redis", "postgres", "postgresql"}

TESTS = Path(__file__).resolve().parent


def lane_of(item: pytest.Item) -> str:
    """The lane a test falls in when it carries no explicit lane mark."""
    try:
        area = Path(item.path).resolve().relative_to(TESTS).parts[0]
    except ValueError:
        area = ""
    fixtures = set(getattr(item, "fixturenames", ()))
    if area in _E2E_AREAS:
        return "e2e"
    if area in _BROWSER_AREAS and fixtures & _BROWSER_FIXTURES:
        return "browser"
    if "driver" in fixtures:
        return "browser"
    if fixtures & _SERVICE_FIXTURES:
        return "services"
    callspec = getattr(item, "callspec", None)
    if callspec and set(map(str, callspec.params.values())) & _SERVICE_PARAMS:
        return "services"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marked = [m.name for m in item.iter_markers() if m.name in LANES]
        if not marked:
            item.add_marker(getattr(pytest.mark, lane_of(item)))
