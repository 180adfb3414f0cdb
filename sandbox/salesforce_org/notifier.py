"""Change notifications: a SQLite queue and the background thread that delivers it.

Two delivery modes, as the product supports both:

* ``outbound-message`` – Salesforce's workflow Outbound Message: a SOAP 1.1 POST
  of up to 100 ``Notification`` elements, each carrying the record's non-null
  field values at send time. Delivered only when the listener answers 200 with
  ``<Ack>true</Ack>``; otherwise retried with exponential backoff.
* ``apex-callout`` – what the project's Apex Queueable sends: a small signed JSON
  event naming the changed record ids only; any 2xx is success.

Like the real thing, delivery is at least once: a batch is retried whole until
acknowledged, and ``duplicate_rate`` re-sends delivered notifications later so
tests can prove the receiver tolerates duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import requests
from defusedxml import ElementTree

from sandbox.salesforce_org import ids, schema, values
from sandbox.salesforce_org.config import RuntimeConfig
from sandbox.salesforce_org.store import Store

log = logging.getLogger("sandbox.salesforce_org.notifier")

BATCH_SIZE = 100
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
API_VERSION = "62.0"


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Notifier:
    """Owns the notification queue and its sender thread."""

    def __init__(
        self,
        store: Store,
        runtime: RuntimeConfig,
        *,
        org_id: str,
        action_id: str,
        base_url: Callable[[], str],
        load_record: Callable[[str], dict[str, Any] | None],
        send_timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.org_id = org_id
        self.action_id = action_id
        self.base_url = base_url
        self.load_record = load_record
        self.send_timeout = send_timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._paused = threading.Event()
        # Held while a batch is claimed, sent and recorded, so that a reset never
        # interleaves with a send (no stray delivery lands in the next test's log).
        self._send_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self._http.trust_env = False  # never route a sandbox webhook through a proxy

    # --- queue -----------------------------------------------------------------

    def enqueue(self, patient_id: str) -> None:
        """Queue a notification for ``patient_id`` (unless notifications are off)."""
        if self.runtime.get("notify") == "none":
            return
        notification_id, _ = self.store.next_id(schema.NOTIFICATION_PREFIX, "notification")
        now = time.time()
        self.store.execute(
            "INSERT INTO notifications(notification_id, record_id, object, state, next_at, "
            "created_at) VALUES (?, ?, 'Patient__c', 'pending', ?, ?)",
            (notification_id, patient_id, now, now),
        )
        self._wake.set()

    def pending_count(self) -> int:
        return self.store.execute("SELECT COUNT(*) FROM notifications WHERE state = 'pending'")[0][
            0
        ]

    def clear(self, *also: str) -> None:
        """Forget the queue and the delivery log (and ``also`` tables), between sends."""
        with self._send_lock:
            self.store.wipe("notifications", "deliveries", *also)

    # --- control ---------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sf-notifier", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def poke(self) -> None:
        """Re-evaluate now (after a config change)."""
        self._wake.set()

    # --- sender loop -----------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            wait: float | None = None
            try:
                if self.paused or self.runtime.get("notify") == "none":
                    wait = None
                else:
                    wait = self.deliver_due()
            except Exception:  # noqa: BLE001 - the sender must survive anything
                log.exception("notification sender failed; retrying shortly")
                wait = 1.0
            self._wake.wait(timeout=wait)
            self._wake.clear()

    def deliver_due(self) -> float | None:
        """Send every due batch; return seconds until the next one is due (None: idle)."""
        while not self._stop.is_set() and not self.paused:
            with self._send_lock:
                batch = self._claim_batch()
                if not batch:
                    break
                self._send(batch)
        rows = self.store.execute("SELECT MIN(next_at) FROM notifications WHERE state = 'pending'")
        nxt = rows[0][0]
        return None if nxt is None else max(0.0, nxt - time.time())

    def _claim_batch(self) -> list[dict[str, Any]]:
        """The next due batch: an earlier batch being retried, or up to 100 new rows."""
        now = time.time()
        with self.store.transaction():
            due = self.store.execute(
                "SELECT * FROM notifications WHERE state = 'pending' AND next_at <= ? "
                "ORDER BY next_at, seq LIMIT 1",
                (now,),
            )
            if not due:
                return []
            first = due[0]
            if first["batch_id"]:
                rows = self.store.execute(
                    "SELECT * FROM notifications WHERE batch_id = ? AND state = 'pending' ORDER BY seq",
                    (first["batch_id"],),
                )
                return [dict(r) for r in rows]
            rows = self.store.execute(
                "SELECT * FROM notifications WHERE state = 'pending' AND batch_id IS NULL "
                "AND next_at <= ? ORDER BY seq LIMIT ?",
                (now, BATCH_SIZE),
            )
            batch_id = str(uuid.uuid4())
            seqs = [r["seq"] for r in rows]
            self.store.execute(
                f"UPDATE notifications SET batch_id = ? WHERE seq IN ({','.join('?' * len(seqs))})",  # noqa: S608
                [batch_id, *seqs],
            )
            return [{**dict(r), "batch_id": batch_id} for r in rows]

    def _send(self, batch: list[dict[str, Any]]) -> None:
        mode = self.runtime.get("notify")
        attempt = batch[0]["attempts"] + 1
        url = self.runtime.get("events_url" if mode == "apex-callout" else "webhook_url")
        status: int | None = None
        error: str | None = None
        try:
            if mode == "apex-callout":
                response = self._post_event(url, batch)
                ok = 200 <= response.status_code < 300
            else:
                response = self._post_outbound_message(url, batch)
                ok = response.status_code == 200 and is_ack(response.content)
            status = response.status_code
        except requests.RequestException as exc:
            ok = False
            error = type(exc).__name__
        self.store.log(
            "deliveries",
            {
                "notification_ids": [r["notification_id"] for r in batch],
                "record_ids": [r["record_id"] for r in batch],
                "batch_id": batch[0]["batch_id"],
                "attempt": attempt,
                "status_code": status,
                "acked": ok,
                "at": iso_now(),
                "mode": mode,
                "url": url,
                "error": error,
            },
        )
        seqs = [r["seq"] for r in batch]
        marks = ",".join("?" * len(seqs))
        now = time.time()
        if ok:
            self.store.execute(
                f"UPDATE notifications SET state = 'delivered', attempts = ?, delivered_at = ? "  # noqa: S608
                f"WHERE seq IN ({marks})",
                [attempt, now, *seqs],
            )
            self._maybe_duplicate(batch)
        else:
            base = self.runtime.get("retry_base_seconds")
            delay = min(self.runtime.get("retry_max_seconds"), base * (2 ** (attempt - 1)))
            self.store.execute(
                f"UPDATE notifications SET attempts = ?, next_at = ? WHERE seq IN ({marks})",  # noqa: S608
                [attempt, now + delay, *seqs],
            )

    def _maybe_duplicate(self, batch: list[dict[str, Any]]) -> None:
        rate = self.runtime.get("duplicate_rate")
        if rate <= 0:
            return
        now = time.time()
        for row in batch:
            if random.random() < rate:  # noqa: S311 - a test knob, not security
                later = now + self.runtime.get("retry_base_seconds")
                self.store.execute(
                    "INSERT INTO notifications(notification_id, record_id, object, state, next_at, "
                    "created_at, duplicate) VALUES (?, ?, ?, 'pending', ?, ?, 1)",
                    (row["notification_id"], row["record_id"], row["object"], later, now),
                )

    # --- wire formats ----------------------------------------------------------

    def _post_outbound_message(self, url: str, batch: list[dict[str, Any]]) -> requests.Response:
        body = self.outbound_message(batch)
        return self._http.post(
            url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            timeout=self.send_timeout,
        )

    def outbound_message(self, batch: list[dict[str, Any]]) -> str:
        """Salesforce's Outbound Message envelope for ``batch`` (values read now)."""
        base = self.base_url().rstrip("/")
        org15 = ids.to15(self.org_id)
        notifications = []
        for row in batch:
            record = self.load_record(row["record_id"]) or {"Id": row["record_id"]}
            notifications.append(
                "<Notification>"
                f"<Id>{escape(row['notification_id'])}</Id>"
                f'<sObject xsi:type="sf:{row["object"]}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
                f"{sobject_fields(schema.OBJECTS[row['object']], record)}"
                "</sObject>"
                "</Notification>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body>"
            f'<notifications xmlns="{OUTBOUND_NS}">'
            f"<OrganizationId>{escape(self.org_id)}</OrganizationId>"
            f"<ActionId>{escape(self.action_id)}</ActionId>"
            '<SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{escape(base)}/services/Soap/c/{API_VERSION}/{org15}</EnterpriseUrl>"
            f"<PartnerUrl>{escape(base)}/services/Soap/u/{API_VERSION}/{org15}</PartnerUrl>"
            + "".join(notifications)
            + "</notifications></soapenv:Body></soapenv:Envelope>"
        )

    def _post_event(self, url: str, batch: list[dict[str, Any]]) -> requests.Response:
        body, headers = self.apex_event(batch)
        return self._http.post(url, data=body, headers=headers, timeout=self.send_timeout)

    def apex_event(self, batch: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
        """The Queueable's JSON event (ids only) and its HMAC signature headers."""
        seen: dict[str, dict[str, Any]] = {}
        for row in batch:
            if row["record_id"] not in seen:
                record = self.load_record(row["record_id"]) or {}
                seen[row["record_id"]] = {
                    "id": row["record_id"],
                    "lastModifiedDate": record.get("LastModifiedDate"),
                }
        body = json.dumps(
            {"orgId": self.org_id, "eventId": batch[0]["batch_id"], "records": list(seen.values())},
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        signature = sign(self.runtime.get("signing_secret"), timestamp, body)
        return body, {
            "Content-Type": "application/json",
            "X-EmrSync-Timestamp": timestamp,
            "X-EmrSync-Signature": signature,
        }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp + "." + raw body`` (the Apex callout's scheme)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# Characters XML 1.0 cannot carry at all, even escaped; Salesforce drops them too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _soap_value(spec: schema.Field, value: Any) -> str:
    if spec.type == "boolean":
        return "true" if value else "false"
    if spec.type == "datetime":
        return values.soap_datetime(str(value))
    return _NOT_XML.sub("", str(value))


def sobject_fields(obj: schema.SObject, record: dict[str, Any]) -> str:
    """``<sf:Field>value</sf:Field>`` for every non-null field, Id first."""
    parts = []
    for spec in obj.fields:
        value = record.get(spec.name)
        if value is None:
            continue
        parts.append(f"<sf:{spec.name}>{escape(_soap_value(spec, value))}</sf:{spec.name}>")
    return "".join(parts)


def is_ack(content: bytes) -> bool:
    """True when the SOAP response is a notificationsResponse with ``<Ack>true</Ack>``."""
    try:
        root = ElementTree.fromstring(content)
    except Exception:  # noqa: BLE001 - anything unparsable is simply not an ack
        return False
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "notificationsResponse":
            for child in element:
                if child.tag.rsplit("}", 1)[-1] == "Ack" and (child.text or "").strip() == "true":
                    return True
    return False
