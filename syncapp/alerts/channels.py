"""Delivery of one alert: SMTP (``smtplib``) and a generic JSON webhook (``requests``)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

import requests

from syncapp.opsconfig import OpsSettings

TIMEOUT = 10  # seconds; an alert must never hold a worker for long


class Channel(Protocol):
    name: str

    def deliver(self, subject: str, body: str, payload: dict) -> None: ...


class SmtpChannel:
    name = "smtp"

    def __init__(self, s: OpsSettings) -> None:
        self.s = s

    def deliver(self, subject: str, body: str, payload: dict) -> None:
        s = self.s
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = s.alert_smtp_from
        msg["To"] = ", ".join(a.strip() for a in s.alert_smtp_to.split(",") if a.strip())
        msg.set_content(body)
        with smtplib.SMTP(s.alert_smtp_host, s.alert_smtp_port, timeout=TIMEOUT) as smtp:
            if s.alert_smtp_starttls:
                smtp.starttls()
            if s.alert_smtp_user and s.alert_smtp_password:
                smtp.login(s.alert_smtp_user, s.alert_smtp_password.get_secret_value())
            smtp.send_message(msg)


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str) -> None:
        self.url = url

    def deliver(self, subject: str, body: str, payload: dict) -> None:
        r = requests.post(self.url, json={"text": subject, **payload}, timeout=TIMEOUT)
        r.raise_for_status()


def configured(s: OpsSettings) -> list[Channel]:
    out: list[Channel] = []
    if s.alert_smtp_host and s.alert_smtp_to.strip():
        out.append(SmtpChannel(s))
    if s.alert_webhook_url:
        out.append(WebhookChannel(s.alert_webhook_url))
    return out
