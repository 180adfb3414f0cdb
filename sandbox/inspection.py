"""A client of both sandboxes' ``/__sandbox__/`` APIs: what staff do in Salesforce and
what the EMR holds, as the demo, the end-to-end tests and the benchmarks observe it.

Never used by the sync itself, which sees only the systems' real interfaces.
"""

from __future__ import annotations

import json
from typing import Any

import requests


class Sandboxes:
    def __init__(self, org_url: str, emr_url: str, http: requests.Session | None = None) -> None:
        self.org_url = org_url
        self.emr_url = emr_url
        self.http = http or requests.Session()

    def _get(self, url: str) -> Any:
        resp = self.http.get(url, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def _post(self, url: str, payload: Any, params: dict | None = None) -> Any:
        resp = self.http.post(url, json=payload, params=params, timeout=10)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    # --- Salesforce -------------------------------------------------------------------
    def create_patient(self, bundle: dict[str, Any], *, notify: bool = True) -> dict[str, Any]:
        """Staff save a patient (a bundle with ids updates it); returns the org's ids."""
        params = None if notify else {"notify": "0"}
        return self._post(f"{self.org_url}/__sandbox__/patients", bundle, params)

    def delete_record(self, record_id: str) -> None:
        """Staff delete one record (a guardian, a coverage, a note); nothing is notified."""
        self.http.delete(
            f"{self.org_url}/__sandbox__/records/{record_id}", timeout=10
        ).raise_for_status()

    def sf_patient(self, record_id: str) -> dict[str, Any]:
        """The record as a bundle, plus its ``sync`` fields."""
        return self._get(f"{self.org_url}/__sandbox__/patients/{record_id}")

    def callbacks(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Apex REST callbacks received, oldest first, each with its JSON ``body`` decoded."""
        rows = self._get(f"{self.org_url}/__sandbox__/callbacks")
        for row in rows:
            if isinstance(row.get("body"), str):
                row["body"] = json.loads(row["body"])
        return [r for r in rows if record_id is None or r["body"].get("recordId") == record_id]

    def deliveries(self) -> list[dict[str, Any]]:
        return self._get(f"{self.org_url}/__sandbox__/deliveries")

    def pending_notifications(self) -> int:
        return int(self._get(f"{self.org_url}/__sandbox__/notifications/pending")["pending"])

    def org_control(self, path: str, payload: dict[str, Any] | None = None) -> None:
        """``notifications/pause``, ``down``, ``config`` and the other org controls."""
        self._post(f"{self.org_url}/__sandbox__/{path}", payload or {})

    # --- the EMR ----------------------------------------------------------------------
    def charts(self) -> list[dict[str, Any]]:
        return self._get(f"{self.emr_url}/__sandbox__/patients")

    def writes(self, mrn: str | None = None) -> list[dict[str, Any]]:
        rows = self._get(f"{self.emr_url}/__sandbox__/writes")
        return [w for w in rows if mrn is None or w["emr_patient_id"] == mrn]

    def emr_faults(self, **knobs: Any) -> None:
        self._post(f"{self.emr_url}/__sandbox__/faults", knobs)

    def emr_requests(self, since: float = 0.0) -> list[dict[str, Any]]:
        """The portal's request log from ``since`` (a Unix time): kind, status, start, end."""
        return self._get(f"{self.emr_url}/__sandbox__/requests?since={since!r}")
