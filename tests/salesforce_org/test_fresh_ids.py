"""A fresh org database has its own identity, and never mints an id an earlier one did.

Clients remember Salesforce ids for days (the sync service's dedupe keys hold
notification ids), so a stand-in that restarts its numbering would make them
swallow new records. A real org never reuses an id; neither may the sandbox.
"""

from __future__ import annotations

import pytest

from sandbox.emr_portal.db import connect, init_db
from sandbox.salesforce_org import ids, schema
from sandbox.salesforce_org.app import create_app
from sandbox.salesforce_org.org import EXTENSION

pytestmark = pytest.mark.unit


def _org(path):
    app = create_app({"db": str(path), "start_sender": False, "tls": False, "notify": "none"})
    return app.extensions[EXTENSION]


def _mint(the_org, n: int = 20) -> set[str]:
    minted = set()
    for _ in range(n):
        minted.add(the_org.store.next_id(schema.NOTIFICATION_PREFIX, "notification")[0])
        minted.add(the_org.store.next_id("a00", "Patient__c")[0])
    return minted


def test_two_fresh_databases_share_no_id(tmp_path):
    first, second = _org(tmp_path / "one.sqlite3"), _org(tmp_path / "two.sqlite3")
    assert first.org_id != second.org_id
    assert first.user_id != second.user_id and first.action_id != second.action_id
    a, b = _mint(first), _mint(second)
    assert len(a) == len(b) == 40  # unique within a database
    assert not a & b


def test_ids_are_well_formed(tmp_path):
    the_org = _org(tmp_path / "org.sqlite3")
    for value, prefix in [
        (the_org.org_id, "00D"),
        (the_org.user_id, "005"),
        (the_org.action_id, "04k"),
        *((i, i[:3]) for i in _mint(the_org, 5)),
    ]:
        assert len(value) == 18 and value.startswith(prefix)
        assert ids.to18(value) == value  # the checksum matches the case of the first 15
        assert ids.to18(value.lower()) == value  # and restores it when case is lost


def test_a_database_keeps_its_identity_across_restarts(tmp_path):
    first = _org(tmp_path / "org.sqlite3")
    minted = _mint(first, 3)
    first.store.close()
    again = _org(tmp_path / "org.sqlite3")
    assert (again.org_id, again.user_id) == (first.org_id, first.user_id)
    assert not _mint(again, 3) & minted  # counters go on


def test_a_pinned_org_id_holds_for_a_fresh_database_only(tmp_path):
    pinned = ids.random_id("00D")
    app = create_app({"db": str(tmp_path / "org.sqlite3"), "start_sender": False, "tls": False})
    assert app.extensions[EXTENSION].org_id != pinned
    app.extensions[EXTENSION].store.close()
    with pytest.raises(ValueError, match="use a fresh database"):
        create_app({"db": str(tmp_path / "org.sqlite3"), "org_id": pinned, "tls": False})
    fresh = create_app({"db": str(tmp_path / "new.sqlite3"), "org_id": pinned[:15], "tls": False})
    assert fresh.extensions[EXTENSION].org_id == pinned


def test_emr_chart_numbers_do_not_restart(tmp_path):
    numbers = []
    for name in ("one", "two"):
        path = str(tmp_path / f"{name}.sqlite")
        init_db(path)
        init_db(path)  # reopening keeps the sequence
        conn = connect(path)
        conn.execute(
            "INSERT INTO patients (first_name, last_name, date_of_birth, sex, first_key, "
            "last_key) VALUES ('A', 'B', '2020-01-01', 'female', 'a', 'b')"
        )
        numbers.append(conn.execute("SELECT id FROM patients").fetchone()[0])
        conn.close()
    assert numbers[0] != numbers[1]
    assert all(n > 1000 for n in numbers)


def test_ids_grow_with_creation_like_a_real_pods(tmp_path):
    """Children are listed "ORDER BY CreatedDate, Id"; within one second the id decides."""
    the_org = _org(tmp_path / "org.sqlite3")
    minted = [the_org.store.next_id("a01", "Guardian__c")[0] for _ in range(200)]
    assert minted == sorted(minted)
    assert [ids.to15(i) for i in minted] == sorted(ids.to15(i) for i in minted)
