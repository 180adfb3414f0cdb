"""Failure kinds in words a person on call can act on (status page, alerts, README)."""

from __future__ import annotations

READABLE = {
    "invalid_bundle": "The Salesforce record has invalid or missing data; fix it in Salesforce.",
    "portal_rejected": "The EMR refused a value; check the record against the EMR's rules.",
    "page_changed": "An EMR screen changed (selector drift); page objects need an update.",
    "page_script_failed": "The EMR page's script failed; see the failure capture.",
    "ambiguous_match": "Several EMR charts match name and birth date; link the right MRN.",
    "chart_not_found": "The EMR id on the record is unknown to the EMR; correct or clear it.",
    "salesforce_rejected": "Salesforce refused a request; check the integration user's access.",
    "reauthorization_required": "Salesforce access was revoked; reconnect at /oauth/login.",
    "portal_unavailable": "The EMR portal was unreachable or slow; retries ran out.",
    "portal_session_lost": "The EMR session kept expiring; retries ran out.",
    "lock_screen_stuck": "The EMR lock screen would not clear; check the EMR password.",
    "salesforce_unavailable": "Salesforce was unreachable; retries ran out.",
    "delivery_limit": "The job kept killing its worker; see the worker's log and captures.",
}


def readable(kind: str | None) -> str:
    """One sentence for ``kind``; unknown kinds are named as they are."""
    if not kind:
        return "Unknown failure."
    return READABLE.get(kind, f"Failure of kind {kind}.")
