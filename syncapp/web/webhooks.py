"""Inbound channels from Salesforce: Outbound Messages (SOAP) and Apex callout events (JSON).

Both are triggers, never payloads: they yield record ids, which ``syncapp.intake``
turns into at most one queued job per record. Views authenticate, validate,
enqueue and answer; they never wait for a sync. Bad input gets a 4xx and
enqueues nothing; a broker failure gets a 5xx so that Salesforce retries.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from syncapp import intake
from syncapp.errors import EnqueueFailed
from syncapp.settings import Settings
from syncapp.web import events as event_parsing
from syncapp.web import signing, soap
from syncapp.web.inbound import InboundError, check_path_secret, read_body, require_content_type
from syncapp.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/salesforce")

SYNCED_OBJECTS = {"Patient__c"}


def _settings() -> Settings:
    return services().settings


def _soap(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _org_allowed(org_id: str) -> bool:
    allowed = _settings().allowed_org_ids
    return bool(allowed) and org_id[:15] in allowed


@bp.post("/outbound-message")
@bp.post("/outbound-message/<path:secret>")
def outbound_message(secret: str | None = None):
    s = _settings()
    try:
        if "outbound-message" not in s.inbound_channels:
            raise InboundError(404, "not found")
        # The URL secret is Salesforce's only proof of origin here (docs/salesforce.md).
        check_path_secret(
            secret, s.sf_outbound_message_secret.get_secret_value(), required=s.production
        )
        require_content_type("text/xml", "application/soap+xml")
        body = read_body(s.webhook_max_bytes)
    except InboundError as exc:
        return _soap(soap.fault(exc.reason, client=True), exc.status)
    try:
        message = soap.parse_outbound_message(
            body,
            max_notifications=s.webhook_max_notifications,
            record_prefix=s.sf_patient_key_prefix,
        )
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
            # Keyed by org + notification id + record id: a forged message reusing a
            # genuine notification id for another record cannot swallow the genuine one.
            (
                (f"{message.organization_id[:15]}:{n.notification_id}:{n.record_id}", n.record_id)
                for n in message.notifications
            ),
            store=services().store,
            enqueue=services().enqueue,
        )
    except EnqueueFailed:
        log.error("enqueue failed; not acknowledging", extra={"step": "enqueue"})
        return _soap(soap.fault("temporarily unable to accept notifications", client=False), 503)
    return _soap(soap.ACK, 200)


def _problem(status: int, error: str, detail: str | None = None):
    body = {"error": error}
    if detail:
        body["detail"] = detail
    return jsonify(body), status


@bp.post("/events")
def events():
    settings = _settings()
    try:
        if "apex-callout" not in settings.inbound_channels:
            raise InboundError(404, "not found")
        require_content_type("application/json")
        body = read_body(settings.webhook_max_bytes)
    except InboundError as exc:
        return _problem(exc.status, exc.reason)
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
        event = event_parsing.parse_event(
            body,
            max_depth=settings.webhook_max_json_depth,
            record_prefix=settings.sf_patient_key_prefix,
        )
    except event_parsing.EventInputError as exc:
        return _problem(exc.status, exc.error, exc.detail)
    if not _org_allowed(event.org_id):
        return _problem(403, "organization not allowed")
    items = [(f"{event.org_id[:15]}:{event.event_id}:{r}", r) for r in event.record_ids]
    try:
        outcomes = intake.accept(items, store=services().store, enqueue=services().enqueue)
    except EnqueueFailed:
        return _problem(503, "temporarily unable to accept events")
    return jsonify(
        eventId=event.event_id,
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
