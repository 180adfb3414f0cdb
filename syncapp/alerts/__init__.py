"""Alerts on what needs a person, by e-mail (``ALERT_SMTP_*``) and webhook (``ALERT_WEBHOOK_URL``).

An alert says *what kind* of trouble and *which* record or check, never a
patient value: ids and kinds only. Each kind + subject is sent once per
``ALERT_DEDUPE_SECONDS``, and each channel at most ``ALERT_RATE_PER_HOUR``
times an hour, so a broken portal at 3 a.m. is one page, not five hundred.
"""

from syncapp.alerts.dispatch import Alert, send

__all__ = ["Alert", "send"]
