"""What GNU Health holds for a patient, read through JSON-RPC, as flat sync field names.

For the contract tests, the demo and the bench to check what landed in the EMR
itself (``demographics.phone``, ``insurance.primary.member_id`` -> text), never
through the adapter under test.
"""

from __future__ import annotations

from scripts.gnuhealth.rpc import Rpc

SEX = {"f": "female", "m": "male", "other": "other", "u": "unknown"}
PARTY_FIELDS = ["ref", "name", "lastname", "dob", "gender", "write_date"]


def iso(value: dict | None) -> str:
    return f"{value['year']:04d}-{value['month']:02d}-{value['day']:02d}" if value else ""


def people(rpc: Rpc, domain: list | None = None) -> list[dict]:
    return rpc.search_read("party.party", [["is_person", "=", True], *(domain or [])], PARTY_FIELDS)


def puids(rpc: Rpc) -> list[str]:
    return [p["ref"] for p in people(rpc)]


def stored(rpc: Rpc, puid: str) -> dict[str, str]:
    (p,) = people(rpc, [["ref", "=", puid]])
    mine = [["party", "=", p["id"]]]
    out = {
        "demographics.first_name": p["name"] or "",
        "demographics.last_name": p["lastname"] or "",
        "demographics.date_of_birth": iso(p["dob"]),
        "demographics.sex": SEX.get(p["gender"], p["gender"] or ""),
    }
    contacts = rpc.search_read("party.contact_mechanism", mine, ["type", "value"])
    for key in ("phone", "email"):
        out[f"demographics.{key}"] = next((c["value"] for c in contacts if c["type"] == key), "")
    address = rpc.search_read(
        "party.address", mine, ["street", "city", "postal_code", "subdivision.code"]
    )
    for a in address[:1]:
        out.update({f"demographics.{k}": a[k] or "" for k in ("street", "city", "postal_code")})
        code = (a.get("subdivision.") or {}).get("code") or ""
        out["demographics.state"] = code.removeprefix("US-")
    fields = ["number", "company.name", "member_since", "category"]
    for c in rpc.search_read("gnuhealth.insurance", mine, fields):
        rank = (c["category"] or "").lower()
        out[f"insurance.{rank}.member_id"] = c["number"]
        out[f"insurance.{rank}.payer"] = (c.get("company.") or {}).get("name", "")
        out[f"insurance.{rank}.effective_date"] = iso(c["member_since"])
    return out


def write_mark(rpc: Rpc, puid: str) -> tuple:
    """The write dates of the party and of every row it owns (Tryton dates each write)."""
    (p,) = people(rpc, [["ref", "=", puid]])
    marks = [str(p["write_date"])]
    for model in ("party.contact_mechanism", "party.address", "gnuhealth.insurance"):
        rows = rpc.search_read(model, [["party", "=", p["id"]]], ["write_date"])
        marks += sorted(str(r["write_date"]) for r in rows)
    return tuple(marks)


def expected(bundle: dict, payers: dict[str, str] | None = None) -> dict[str, str]:
    """What a synced bundle (JSON shape) should leave in GNU Health, in ``stored``'s names."""
    p, a = bundle["patient"], bundle["patient"]["address"]
    out = {f"demographics.{k}": p.get(k) or "" for k in ("first_name", "last_name", "sex")}
    out |= {f"demographics.{k}": p.get(k) or "" for k in ("phone", "email", "date_of_birth")}
    out |= {f"demographics.{k}": a.get(k) or "" for k in ("street", "city", "state", "postal_code")}
    for c in bundle.get("insurance", []):
        rank = c["rank"]
        out[f"insurance.{rank}.member_id"] = c["member_id"]
        out[f"insurance.{rank}.payer"] = (payers or {}).get(c["payer"], c["payer"])
        out[f"insurance.{rank}.effective_date"] = c.get("effective_date") or ""
    return out
