"""The workers' Salesforce client: read a patient record, post the sync result back.

Two calls, both over Salesforce's REST wire format: one SOQL query (the patient
with its guardians, coverages and notes) and one Apex REST callback. Every
failure becomes a typed error so the retry policy never parses a message:
outages, rate limits and a session that stays invalid after a refresh are
``SalesforceUnavailable``; other 4xx are ``SalesforceRejected`` carrying
Salesforce's ``errorCode`` and field *names* only, because Salesforce messages
can quote record values. Logs carry the record id, step, status and timing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from syncapp.errors import SalesforceRejected, SalesforceUnavailable
from syncapp.field_map import FieldMap, build_query, get_field_map, record_to_bundle, soql_quote
from syncapp.settings import Settings
from syncapp.tokens import Token, TokenStore

log = logging.getLogger(__name__)

TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
_CODE = re.compile(r"^[A-Za-z_]{1,64}$")
_RETRYABLE_CODES = {"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"}


def _error_info(response: requests.Response) -> tuple[str, list[str]]:
    """Salesforce's ``errorCode`` and field names from an error body (never the message)."""
    try:
        body = response.json()
    except ValueError:
        return "UNKNOWN", []
    items = body if isinstance(body, list) else [body]
    codes: list[str] = []
    fields: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get("errorCode")
        if not isinstance(code, str) and isinstance(item.get("error"), str):
            # Our Apex resource answers {"success": false, "error": "..."}; its texts name
            # fields, never values (force-app/.../EmrSyncCallback.cls), so keep a bounded copy.
            error = item["error"]
            code = error if _CODE.match(error) else f"APEX_ERROR: {error[:200]}"
        if isinstance(code, str) and code not in codes:
            codes.append(code)
        fields += [f for f in item.get("fields") or [] if isinstance(f, str)]
    return (",".join(codes) or "UNKNOWN"), fields


class SalesforceClient:
    """One per worker process; thread-safe as far as ``requests.Session`` is."""

    def __init__(
        self,
        settings: Settings,
        token_store: TokenStore,
        field_map: FieldMap | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = token_store
        self.field_map = field_map or get_field_map()
        self.http = http or requests.Session()

    # --- public API -------------------------------------------------------------
    def load_bundle(self, record_id: str) -> dict[str, Any]:
        """Read the patient record with its child lists; return a bundle dict (unvalidated).

        Raises ``SalesforceRejected`` when the record does not exist (or the id is
        malformed), ``SalesforceUnavailable`` on outages, ``ReauthorizationRequired``
        when the org must be connected again.
        """
        return self.read_bundle(record_id)[0]

    def read_bundle(self, record_id: str) -> tuple[dict[str, Any], float | None]:
        """``load_bundle``, plus when the org answered, by the org's own clock.

        The time is the response's ``Date`` header (whole seconds, rounded down), so
        the sweep can compare it with the org's ``LastModifiedDate`` stamps without
        trusting this machine's clock; ``None`` when the header is missing.
        """
        query = build_query(record_id, self.field_map)
        path = f"/services/data/v{self.settings.sf_api_version}/query"
        response = self._request(
            "GET", path, step="load_record", record_id=record_id, params={"q": query}
        )
        body = response.json()
        records = body.get("records") or []
        if not records:
            raise SalesforceRejected("record not found", record_id=record_id, step="load_record")
        record = records[0]
        for child in self.field_map.children.values():
            self._complete_children(record, child.relationship or "", record_id)
        return record_to_bundle(record, self.field_map), _org_time(response)

    def other_record_with_emr_id(self, emr_patient_id: str, record_id: str) -> str | None:
        """The id of another patient record that already carries ``emr_patient_id``, if any.

        One SOQL query, asked before a chart found by name + DOB is adopted: a chart
        that belongs to another record must not absorb this one.
        """
        patient = self.field_map.patient
        field = patient.specs()["emr_patient_id"].field
        query = (
            f"SELECT Id FROM {patient.sobject} WHERE {field} = {soql_quote(emr_patient_id)}"
            f" AND Id != {soql_quote(record_id)} LIMIT 1"
        )
        path = f"/services/data/v{self.settings.sf_api_version}/query"
        body = self._request(
            "GET", path, step="check_duplicate", record_id=record_id, params={"q": query}
        ).json()
        records = body.get("records") or []
        return str(records[0]["Id"]) if records else None

    def query(self, soql: str, *, step: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every row of a SOQL query, following ``nextRecordsUrl`` (for ids-only queries).

        Callers select ids, timestamps and sync fields, never patient data: the rows
        may be logged by count and kept in task state. ``include_deleted`` asks
        ``queryAll``, which also returns rows in the recycle bin (``IsDeleted``).
        """
        resource = "queryAll" if include_deleted else "query"
        path = f"/services/data/v{self.settings.sf_api_version}/{resource}"
        body = self._request("GET", path, step=step, record_id="", params={"q": soql}).json()
        rows = list(body.get("records") or [])
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self._request("GET", body["nextRecordsUrl"], step=step, record_id="").json()
            rows.extend(body.get("records") or [])
        return rows

    def post_callback(
        self,
        record_id: str,
        status: str,
        emr_patient_id: str | None = None,
        changed_fields: Iterable[str] = (),
        error: str | None = None,
        not_stored: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """POST the sync result to the Apex REST resource, which sets the sync fields.

        ``error`` must be a value-free message (``str(SyncError)``); ``not_stored``
        names what the EMR cannot hold (``UpsertResult.not_stored``). Raises like
        ``load_bundle``; returns the resource's JSON answer, if any.
        """
        payload = {
            "recordId": record_id,
            "status": status,
            "emrPatientId": emr_patient_id,
            "changedFields": list(changed_fields),
            "notStored": list(not_stored),
            "error": error,
        }
        response = self._request(
            "POST",
            self.settings.sf_callback_path,
            step="callback",
            record_id=record_id,
            json=payload,
        )
        try:
            return response.json()
        except ValueError:
            return None

    # --- plumbing ---------------------------------------------------------------
    def _complete_children(self, record: dict[str, Any], relationship: str, record_id: str) -> None:
        """Follow ``nextRecordsUrl`` when a child list is longer than one batch."""
        related = record.get(relationship)
        while (
            isinstance(related, dict)
            and not related.get("done", True)
            and related.get("nextRecordsUrl")
        ):
            more = self._request(
                "GET", related["nextRecordsUrl"], step="load_children", record_id=record_id
            ).json()
            related["records"] = list(related.get("records") or []) + list(
                more.get("records") or []
            )
            related["done"] = more.get("done", True)
            related["nextRecordsUrl"] = more.get("nextRecordsUrl")

    def _request(
        self, method: str, path: str, *, step: str, record_id: str, **kwargs: Any
    ) -> requests.Response:
        token = self.tokens.current()
        response = self._send(token, method, path, step, record_id, **kwargs)
        if response.status_code == 401:
            token = self.tokens.refresh(stale_access_token=token.access_token)
            response = self._send(token, method, path, step, record_id, **kwargs)
            if response.status_code == 401:
                raise SalesforceUnavailable(
                    "Salesforce rejected the session right after a refresh",
                    record_id=record_id,
                    step=step,
                )
        self._raise_for_status(response, step, record_id)
        return response

    def _send(
        self, token: Token, method: str, path: str, step: str, record_id: str, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else token.instance_url.rstrip("/") + path
        start = time.monotonic()
        try:
            response = self.http.request(
                method,
                url,
                headers={
                    "Authorization": f"Bearer {token.access_token}",
                    "Accept": "application/json",
                },
                timeout=TIMEOUT,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise SalesforceUnavailable(
                f"Salesforce unreachable ({type(exc).__name__})", record_id=record_id, step=step
            ) from None
        log.info(
            "salesforce call",
            extra={
                "step": step,
                "record_id": record_id,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - start) * 1000),
            },
        )
        return response

    @staticmethod
    def _raise_for_status(response: requests.Response, step: str, record_id: str) -> None:
        status = response.status_code
        if status < 400:
            return
        code, fields = _error_info(response)
        if status >= 500 or status == 429 or set(code.split(",")) & _RETRYABLE_CODES:
            raise SalesforceUnavailable(
                f"Salesforce answered {status} {code}", record_id=record_id, step=step
            )
        raise SalesforceRejected(
            f"Salesforce rejected the request: {status} {code}",
            record_id=record_id,
            step=step,
            fields=fields,
        )


def _org_time(response: requests.Response) -> float | None:
    """The response's ``Date`` header as Unix seconds, ``None`` if absent or unreadable."""
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError, IndexError):
        return None
