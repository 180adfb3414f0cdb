"""The audit trail: an append-only record of every sync attempt, for compliance reviews.

Who wrote what into which chart, when, and with what outcome (HIPAA's
audit-control requirement), without patient values in clear: field names are
plain, values before and after are encrypted with ``SYNC_ENCRYPTION_KEY``.
``python -m syncapp.audit export`` hands the rows to a reviewer.
"""

from syncapp.audit.store import Attempt, AuditTrail, open_audit

__all__ = ["Attempt", "AuditTrail", "open_audit"]
