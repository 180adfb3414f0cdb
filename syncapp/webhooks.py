"""Inbound channels from Salesforce: Outbound Messages (SOAP) and Apex callout events (JSON).

Both are triggers, never payloads: they yield record ids, which ``syncapp.intake``
turns into at most one queued job per record. Views authenticate, validate,
enqueue and answer; they never wait for a sync. Bad input gets a 4xx and
enqueues nothing; a broker failure gets a 5xx so that Salesforce retries.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from syncapp import intake, signing, soap
from syncapp.backend import get_store
from syncapp.errors import EnqueueFailed
from syncapp.settings import Settings
from syncapp.sfid import is_salesforce_id, to_18

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/salesforce")

SYNCED_OBJECTS = {"Patient__c"}


def _settings() -> Settings:
    return current_app.config["SYNC_SETTINGS"]


def _enqueue():
    enqueue = current_app.config.get("SYNC_ENQUEUE")
    if enqueue is None:
        from tasks.enqueue import enqueue_sync as enqueue
    return enqueue


def _soap(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _org_allowed(org_id: str) -> bool:
    allowed = _settings().allowed_org_ids
    return bool(allowed) and org_id[:15] in allowed


@bp.post("/outbound-message")
def outbound_message():
    try:
        message = soap.parse_outbound_message(request.get_data(cache=False))
    except soap.SoapInputError as exc:
        return _soap(soap.fault(str(exc), client=True), 400)
    if not _org_allowed(message.organization_id):
        log.warning("outbound message from an org that is not allowed", extra={"step": "auth"})
        return _soap(soap.fault("organization not allowed", client=True), 403)
    unknown = {n.object_type for n in message.notifications} - SYNCED_OBJECTS
    if unknown:
        return _soap(soap.fault("unsupported sObject type", client=True), 400)
    try:
        intake.accept(
            # Notification ids are unique per org; the org is part of the dedupe key.
            (
                (f"{message.organization_id[:15]}:{n.notification_id}", n.record_id)
                for n in message.notifications
            ),
            store=get_store(),
            enqueue=_enqueue(),
        )
    except EnqueueFailed:
        log.error("enqueue failed; not acknowledging", extra={"step": "enqueue"})
        return _soap(soap.fault("temporarily unable to accept notifications", client=False), 503)
    return _soap(soap.ACK, 200)


class _EventRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)
    id: str
    lastModifiedDate: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not is_salesforce_id(v):
            raise ValueError("not a Salesforce id")
        return to_18(v)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    orgId: str
    eventId: str = Field(pattern=r"^[A-Za-z0-9\-]{8,64}$")
    records: list[_EventRecord] = Field(min_length=1, max_length=200)


def _problem(status: int, error: str, detail: str | None = None):
    body = {"error": error}
    if detail:
        body["detail"] = detail
    return jsonify(body), status


@bp.post("/events")
def events():
    settings = _settings()
    body = request.get_data(cache=False)
    try:
        signing.verify(
            settings.sf_signing_secret.get_secret_value(),
            request.headers.get(signing.TIMESTAMP_HEADER),
            request.headers.get(signing.SIGNATURE_HEADER),
            body,
            max_age=settings.sf_event_max_age_seconds,
        )
    except signing.SignatureError as exc:
        return _problem(401, "unauthorized", str(exc))
    try:
        event = _Event.model_validate(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _problem(400, "malformed JSON")
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        return _problem(422, "schema violation", "invalid fields: " + ", ".join(fields))
    if not is_salesforce_id(event.orgId) or not _org_allowed(event.orgId):
        return _problem(403, "organization not allowed")
    items = [(f"{event.orgId[:15]}:{event.eventId}:{r.id}", r.id) for r in event.records]
    try:
        outcomes = intake.accept(items, store=get_store(), enqueue=_enqueue())
    except EnqueueFailed:
        return _problem(503, "temporarily unable to accept events")
    return jsonify(
        eventId=event.eventId,
        jobs=[
            {
                "recordId": o.record_id,
                "jobId": o.job_id,
                "coalesced": o.coalesced,
                "duplicate": o.duplicate,
            }
            for o in outcomes
        ],
    ), 202
