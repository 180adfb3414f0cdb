"""The sample bundles are valid for the sync and survive a round trip through the portal.

Entering a sample through the portal's API and reading it back from
``/__sandbox__/patients`` must give the same bundle, with only what the EMR
cannot hold removed (Salesforce ids, the time of day of a note).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from syncapp.bundle import validate_bundle

from .conftest import PortalClient

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "sandbox" / "samples").glob("*.json"))


def _us(iso: str | None) -> str:
    return f"{iso[5:7]}/{iso[8:10]}/{iso[:4]}" if iso else ""


def _enter(c: PortalClient, b: dict[str, Any]) -> str:
    """Type the bundle in the way a front-desk clerk would, one form at a time."""
    p = b["patient"]
    demographics = {k: p[k] for k in ("first_name", "middle_name", "last_name", "sex")}
    demographics |= {"phone": p["phone"], "email": p["email"], **p["address"]}
    demographics["date_of_birth"] = _us(p["date_of_birth"])
    mrn = c.create_patient(**{k: v for k, v in demographics.items() if v})
    base = f"/api/patients/{mrn}"
    for g in b["guardians"]:
        body = {k: v for k, v in g.items() if k != "salesforce_id" and v is not None}
        assert c.api("POST", f"{base}/guardians", body).status_code == 201
    for cov in b["insurance"]:
        body = {k: v for k, v in cov.items() if k not in ("salesforce_id", "rank") and v}
        body["effective_date"] = _us(cov["effective_date"])
        assert c.api("PUT", f"{base}/insurance/{cov['rank']}", body).status_code == 200
    for n in b["notes"]:
        body = {
            "date": _us(n["written_at"][:10]),
            "author": n["author"],
            "text": n["text"],
            "reference": n["salesforce_id"],
        }
        assert c.api("POST", f"{base}/notes", body).status_code == 201
    return mrn


def _as_emr_holds_it(b: dict[str, Any], mrn: str) -> dict[str, Any]:
    out = copy.deepcopy(b)
    out["salesforce_id"], out["emr_patient_id"] = None, mrn
    for item in out["guardians"] + out["insurance"]:
        item["salesforce_id"] = None
    for n in out["notes"]:
        n["written_at"] = n["written_at"][:10]
    return out


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_is_valid_and_round_trips_through_the_portal(path: Path, client: PortalClient):
    sample = json.loads(path.read_text(encoding="utf-8"))
    validate_bundle(sample)
    assert sample["emr_patient_id"] is None and len(sample["salesforce_id"]) == 18
    mrn = _enter(client, sample)
    [chart] = client.sandbox("patients")
    assert chart == _as_emr_holds_it(sample, mrn)


def test_there_are_enough_samples_for_the_demo():
    assert len(SAMPLES) >= 5  # make demo creates five patients
