"""Settings of the operations features: audit trail, metrics, status page, alerts, drift check.

Kept apart from ``syncapp.settings`` so that operations can be configured (and
tested) without touching the sync's own knobs; read from the same environment.
Field ``foo_bar`` is read from ``FOO_BAR``. Secrets are ``SecretStr``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # --- audit trail ----------------------------------------------------------------
    # SQLAlchemy URL; e.g. postgresql+psycopg://audit@db/audit. Unset: SQLite in SYNC_DATA_DIR.
    audit_database_url: str | None = None
    # How long audit rows are kept (HIPAA asks for six years of documentation). Only
    # ``python -m syncapp.audit prune`` run by an operator deletes older rows.
    audit_retention_days: int = Field(2190, ge=365)

    # --- metrics and status page ----------------------------------------------------
    metrics_token: SecretStr | None = None  # optional bearer token for Prometheus scrapers
    status_recent: int = Field(25, ge=1, le=500)  # syncs listed on /status
    status_chart_days: int = Field(14, ge=1, le=90)
    flower_url: str = "http://127.0.0.1:5555"

    # --- alerts ---------------------------------------------------------------------
    alert_smtp_host: str | None = None
    alert_smtp_port: int = 25
    alert_smtp_user: str | None = None
    alert_smtp_password: SecretStr | None = None
    alert_smtp_starttls: bool = False
    alert_smtp_from: str = "sf-emr-sync@localhost"
    alert_smtp_to: str = ""  # comma-separated
    alert_webhook_url: str | None = None
    alert_dedupe_seconds: int = Field(3600, ge=0)  # one alert per kind + subject per window
    alert_rate_per_hour: int = Field(30, ge=1)  # per channel, beyond which alerts are dropped
    alert_queue_age_seconds: int = Field(900, ge=60)  # a queued job older than this alerts

    # --- selector-drift check -------------------------------------------------------
    check_every: int = Field(60, ge=0)  # minutes between scheduled drift checks; 0 = off
    check_emr_id: str | None = None  # the dedicated test patient's chart; unset: first chart


@lru_cache(maxsize=1)
def get_ops_settings() -> OpsSettings:
    """Process-wide; tests call ``get_ops_settings.cache_clear()``."""
    return OpsSettings()
