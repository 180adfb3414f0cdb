"""Chart storage: patients, guardians, coverages, notes, the write log and bundles.

Values are stored in their canonical form (ISO dates, ``NULL`` for empty) so
that the inspection API can report a chart exactly as the sync's bundle model
describes it, with no second translation.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from .validation import COVERAGE, DEMOGRAPHICS, GUARDIAN

_MRN = re.compile(r"^MRN-(\d{6,})$")
RANKS = ("primary", "secondary")
DEMOGRAPHIC_FIELDS = tuple(f.name for f in DEMOGRAPHICS)
GUARDIAN_FIELDS = tuple(f.name for f in GUARDIAN)
COVERAGE_FIELDS = tuple(f.name for f in COVERAGE)


def format_mrn(patient_id: int) -> str:
    return f"MRN-{patient_id:06d}"


def parse_mrn(mrn: str) -> int | None:
    m = _MRN.match(mrn)
    return int(m.group(1)) if m else None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _key(name: str | None) -> str:
    return (name or "").strip().casefold()


def display_name(p: dict[str, Any]) -> str:
    """``Last, First Middle``: how the portal lists a patient."""
    given = " ".join(x for x in (p.get("first_name"), p.get("middle_name")) if x)
    return f"{p['last_name']}, {given}"


# --- patients ---------------------------------------------------------------


def get_patient(conn: sqlite3.Connection, patient_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM patients WHERE id = ?", (patient_id,)).fetchone()
    if row is None:
        return None
    patient = {name: row[name] for name in DEMOGRAPHIC_FIELDS}
    patient["id"] = row["id"]
    patient["mrn"] = format_mrn(row["id"])
    return patient


def create_patient(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    row = {name: values.get(name) for name in DEMOGRAPHIC_FIELDS}
    cols = ", ".join([*row, "first_key", "last_key"])
    marks = ", ".join("?" * (len(row) + 2))
    cur = conn.execute(
        f"INSERT INTO patients ({cols}) VALUES ({marks})",  # noqa: S608 - fixed column names
        (*row.values(), _key(row["first_name"]), _key(row["last_name"])),
    )
    return int(cur.lastrowid or 0)


def update_patient(conn: sqlite3.Connection, patient_id: int, changes: dict[str, Any]) -> None:
    if not changes:
        return
    values = dict(changes)
    if "first_name" in values:
        values["first_key"] = _key(values["first_name"])
    if "last_name" in values:
        values["last_key"] = _key(values["last_name"])
    assignments = ", ".join(f"{name} = ?" for name in values)
    conn.execute(
        f"UPDATE patients SET {assignments} WHERE id = ?",  # noqa: S608 - names are validated
        (*values.values(), patient_id),
    )


def search_patients(
    conn: sqlite3.Connection, *, last: str = "", first: str = "", dob: str | None = None
) -> list[dict[str, Any]]:
    """Case-insensitive exact match on each given field, the way the portal's search works."""
    clauses, params = [], []
    if last.strip():
        clauses.append("last_key = ?")
        params.append(_key(last))
    if first.strip():
        clauses.append("first_key = ?")
        params.append(_key(first))
    if dob:
        clauses.append("date_of_birth = ?")
        params.append(dob)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    rows = conn.execute(
        f"SELECT id FROM patients{where} ORDER BY last_key, first_key, id LIMIT 100",  # noqa: S608
        params,
    ).fetchall()
    return [p for r in rows if (p := get_patient(conn, r["id"]))]


# --- guardians --------------------------------------------------------------


def list_guardians(conn: sqlite3.Connection, patient_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM guardians WHERE patient_id = ? ORDER BY id", (patient_id,)
    ).fetchall()
    return [_guardian(r) for r in rows]


def _guardian(row: sqlite3.Row) -> dict[str, Any]:
    g = {name: row[name] for name in GUARDIAN_FIELDS}
    g["is_primary"] = bool(g["is_primary"])
    g["id"] = row["id"]
    return g


def get_guardian(
    conn: sqlite3.Connection, patient_id: int, guardian_id: int
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM guardians WHERE patient_id = ? AND id = ?", (patient_id, guardian_id)
    ).fetchone()
    return _guardian(row) if row else None


def save_guardian(
    conn: sqlite3.Connection, patient_id: int, guardian_id: int | None, changes: dict[str, Any]
) -> int:
    """Insert or update; making one guardian primary clears the flag on the others."""
    values = dict(changes)
    if "is_primary" in values:
        values["is_primary"] = int(bool(values["is_primary"]))
    if guardian_id is None:
        values.setdefault("is_primary", 0)
        cols = ", ".join(["patient_id", *values])
        marks = ", ".join("?" * (len(values) + 1))
        cur = conn.execute(
            f"INSERT INTO guardians ({cols}) VALUES ({marks})",  # noqa: S608
            (patient_id, *values.values()),
        )
        guardian_id = int(cur.lastrowid or 0)
    elif values:
        assignments = ", ".join(f"{name} = ?" for name in values)
        conn.execute(
            f"UPDATE guardians SET {assignments} WHERE id = ? AND patient_id = ?",  # noqa: S608
            (*values.values(), guardian_id, patient_id),
        )
    if values.get("is_primary"):
        conn.execute(
            "UPDATE guardians SET is_primary = 0 WHERE patient_id = ? AND id != ?",
            (patient_id, guardian_id),
        )
    return guardian_id


def delete_guardian(conn: sqlite3.Connection, patient_id: int, guardian_id: int) -> bool:
    cur = conn.execute(
        "DELETE FROM guardians WHERE patient_id = ? AND id = ?", (patient_id, guardian_id)
    )
    return cur.rowcount > 0


# --- insurance --------------------------------------------------------------


def get_coverages(conn: sqlite3.Connection, patient_id: int) -> dict[str, dict[str, Any]]:
    rows = conn.execute("SELECT * FROM coverages WHERE patient_id = ?", (patient_id,)).fetchall()
    found = {r["rank"]: {name: r[name] for name in COVERAGE_FIELDS} for r in rows}
    return {rank: found[rank] for rank in RANKS if rank in found}


def save_coverage(
    conn: sqlite3.Connection, patient_id: int, rank: str, merged: dict[str, Any]
) -> None:
    values = {name: merged.get(name) for name in COVERAGE_FIELDS}
    cols = ", ".join(["patient_id", "rank", *values])
    marks = ", ".join("?" * (len(values) + 2))
    conn.execute(
        f"INSERT OR REPLACE INTO coverages ({cols}) VALUES ({marks})",  # noqa: S608
        (patient_id, rank, *values.values()),
    )


def delete_coverage(conn: sqlite3.Connection, patient_id: int, rank: str) -> bool:
    cur = conn.execute(
        "DELETE FROM coverages WHERE patient_id = ? AND rank = ?", (patient_id, rank)
    )
    return cur.rowcount > 0


# --- notes ------------------------------------------------------------------


def list_notes(conn: sqlite3.Connection, patient_id: int) -> list[dict[str, Any]]:
    """Newest first, as a clinician reads them."""
    rows = conn.execute(
        "SELECT * FROM notes WHERE patient_id = ? ORDER BY written_on DESC, id DESC",
        (patient_id,),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "date": r["written_on"],
            "author": r["author"],
            "text": r["text"],
            "reference": r["reference"],
        }
        for r in rows
    ]


def add_note(conn: sqlite3.Connection, patient_id: int, values: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO notes (patient_id, written_on, author, text, reference)"
        " VALUES (?, ?, ?, ?, ?)",
        (patient_id, values["date"], values["author"], values["text"], values.get("reference")),
    )
    return int(cur.lastrowid or 0)


# --- write log, bundles, reset ----------------------------------------------


def log_writes(conn: sqlite3.Connection, mrn: str, section: str, fields: list[str]) -> None:
    at = now_iso()
    conn.executemany(
        "INSERT INTO writes (emr_patient_id, section, field, at) VALUES (?, ?, ?, ?)",
        [(mrn, section, name, at) for name in fields],
    )


def list_writes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT emr_patient_id, section, field, at FROM writes ORDER BY id")
    return [dict(r) for r in rows]


def _nulls(value: Any) -> Any:
    return None if value == "" else value


def bundle(conn: sqlite3.Connection, patient_id: int) -> dict[str, Any] | None:
    """The chart in the canonical bundle shape that the sync's model defines."""
    p = get_patient(conn, patient_id)
    if p is None:
        return None
    notes = sorted(list_notes(conn, patient_id), key=lambda n: (n["date"], n["id"]))
    return {
        "salesforce_id": None,
        "emr_patient_id": p["mrn"],
        "patient": {
            "first_name": p["first_name"],
            "middle_name": _nulls(p["middle_name"]),
            "last_name": p["last_name"],
            "date_of_birth": p["date_of_birth"],
            "sex": p["sex"],
            "phone": _nulls(p["phone"]),
            "email": _nulls(p["email"]),
            "address": {
                "street": _nulls(p["street"]),
                "city": _nulls(p["city"]),
                "state": _nulls(p["state"]),
                "postal_code": _nulls(p["postal_code"]),
            },
        },
        "guardians": [
            {
                "salesforce_id": None,
                **{k: _nulls(g[k]) for k in GUARDIAN_FIELDS if k != "is_primary"},
                "is_primary": g["is_primary"],
            }
            for g in list_guardians(conn, patient_id)
        ],
        "insurance": [
            {"salesforce_id": None, "rank": rank, **{k: _nulls(v) for k, v in c.items()}}
            for rank, c in get_coverages(conn, patient_id).items()
        ],
        "notes": [
            {
                "salesforce_id": _nulls(n["reference"]),
                "written_at": n["date"],
                "author": n["author"],
                "text": n["text"],
            }
            for n in notes
        ],
    }


def all_bundles(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    ids = [r["id"] for r in conn.execute("SELECT id FROM patients ORDER BY id")]
    return [b for pid in ids if (b := bundle(conn, pid))]


def reset(conn: sqlite3.Connection) -> None:
    """Empty the charts and the write log. MRN numbers keep counting up, so a stale MRN
    held by a client after a reset points at no chart rather than at someone else's."""
    for table in ("notes", "coverages", "guardians", "patients", "writes"):
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
