"""The failure vocabulary of the whole service.

Callers catch a family, never parse a message::

    SyncError
    ├── RetryableError              worth another try after a backoff
    │   ├── PortalUnavailable       portal timed out, answered 5xx, or the browser died
    │   ├── PortalSessionLost       portal session expired or was logged out mid-job
    │   ├── LockScreenStuck         the idle lock screen would not clear
    │   ├── SalesforceUnavailable   Salesforce 5xx, timeout, rate limit, 401 after refresh
    │   ├── EnqueueFailed           the broker did not confirm a publish
    │   └── SessionCapReached       every portal session the licence allows is in use
    └── PermanentError              retrying cannot help; a person must act
        ├── InvalidBundle           the Salesforce record fails validation
        ├── PortalRejected          the portal refused the data (validation error)
        ├── PageChanged             an expected element is missing: the portal's UI drifted
        │   └── PageScriptFailed    our own page-object script threw: a bug, named by page object
        ├── AmbiguousMatch          more than one chart matches name + DOB
        ├── ChartNotFound           the EMR id Salesforce holds is unknown to the portal
        ├── DuplicatePatient        the chart found by name + DOB is another record's
        ├── SalesforceRejected      Salesforce answered 4xx (bad request, not found)
        └── ReauthorizationRequired the refresh token was revoked: visit /oauth/login

Retry policy (tenacity, Celery ``autoretry_for``) and the status sent to
Salesforce are derived from the family, nowhere else. Messages name the record,
page, step and field *names*; they never contain field values, because exception
texts end up in logs, Flower and Salesforce.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base class: carries where it happened, never patient values."""

    retryable: bool = False
    kind: str = "sync_error"

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        page: str | None = None,
        step: str | None = None,
        fields: list[str] | None = None,
    ) -> None:
        self.message = message
        self.record_id = record_id
        self.page = page
        self.step = step
        self.fields = list(fields or [])
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in (("page", self.page), ("step", self.step)) if v)
        text = self.message
        if self.fields:
            text += f" (fields: {', '.join(self.fields)})"
        return f"{text} [{where}]" if where else text

    def __reduce__(self):
        # Celery pickles/serialises exceptions across processes; keep the context.
        return (
            _rebuild,
            (type(self), self.message, self.record_id, self.page, self.step, self.fields),
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "retryable": self.retryable,
            "message": str(self),
            "page": self.page,
            "step": self.step,
            "fields": self.fields,
        }


def _rebuild(cls, message, record_id, page, step, fields):
    return cls(message, record_id=record_id, page=page, step=step, fields=fields)


class RetryableError(SyncError):
    """Raised when a later attempt may succeed."""

    retryable = True
    kind = "retryable"


class PermanentError(SyncError):
    """Raised when retrying cannot help: the data or the configuration must change."""

    kind = "permanent"


class PortalUnavailable(RetryableError):
    """Raised when the portal times out, shows a 5xx page, or the browser dies."""

    kind = "portal_unavailable"


class PortalSessionLost(RetryableError):
    """Raised when the portal session expired or was logged out mid-job."""

    kind = "portal_session_lost"


class LockScreenStuck(RetryableError):
    """Raised when the idle lock screen does not clear after re-entering the password."""

    kind = "lock_screen_stuck"


class SalesforceUnavailable(RetryableError):
    """Raised on Salesforce 5xx, timeouts, rate limits, or a 401 right after a refresh."""

    kind = "salesforce_unavailable"


class EnqueueFailed(RetryableError):
    """Raised when the broker did not confirm a publish."""

    kind = "enqueue_failed"


class SessionCapReached(RetryableError):
    """Raised when all licensed portal sessions are busy; the job waits its turn."""

    kind = "session_cap_reached"


class InvalidBundle(PermanentError):
    """Raised when a Salesforce record fails validation; ``fields`` names the bad fields."""

    kind = "invalid_bundle"


class PortalRejected(PermanentError):
    """Raised when the portal shows a validation error for submitted data."""

    kind = "portal_rejected"


class PageChanged(PermanentError):
    """Raised when an expected element is missing: fail closed, never guess a field."""

    kind = "page_changed"


class PageScriptFailed(PageChanged):
    """Raised when a page object's own script throws: a bug (or drift), never worth a retry."""

    kind = "page_script_failed"


class AmbiguousMatch(PermanentError):
    """Raised when more than one chart matches the patient's name and date of birth."""

    kind = "ambiguous_match"


class ChartNotFound(PermanentError):
    """Raised when the portal does not know the EMR id on the Salesforce record.

    Never "create another chart instead": the chart may have been merged or the id
    mistyped, and a person must decide.
    """

    kind = "chart_not_found"


class DuplicatePatient(PermanentError):
    """Raised when the chart found by name + DOB already belongs to another Salesforce record.

    Two records for one child is a CRM mistake a person must resolve (merge them in
    Salesforce); adopting the chart would write both records into it. The message
    names the other record by id only.
    """

    kind = "duplicate_patient"


class SalesforceRejected(PermanentError):
    """Raised when Salesforce answers a 4xx other than an expired session."""

    kind = "salesforce_rejected"


class ReauthorizationRequired(PermanentError):
    """Raised when the refresh token is revoked or missing."""

    kind = "reauthorization_required"

    def __init__(
        self, message: str = "Salesforce authorisation lost: re-authorise at /oauth/login", **kw
    ):
        super().__init__(message, **kw)
