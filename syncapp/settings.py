"""One typed settings object, read from the environment (see ``.env.example``).

Both the Flask app and the Celery workers read the same ``Settings`` so that a
clinic configures the service in one place. Secrets are ``SecretStr`` so that a
stray ``repr`` or log line never prints them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the service. Field ``foo_bar`` is read from ``FOO_BAR``."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # "production" (the default: fail closed) refuses to start without real secrets
    # (syncapp.preflight); "development" is what make demo, make up and the tests say.
    sync_env: str = Field("production", pattern="^(production|development)$")

    # --- infrastructure -------------------------------------------------------
    celery_broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # "auto": RabbitMQ/Redis when reachable, else the embedded SQLite default.
    # "external": always the URLs above. "embedded": always SQLite files.
    sync_backend: str = Field("auto", pattern="^(auto|external|embedded)$")
    sync_data_dir: Path = REPO_ROOT / ".data"
    sync_encryption_key: SecretStr | None = None  # Fernet key; patient data and tokens at rest
    log_level: str = "INFO"
    # Queue, exchange and Redis key names start with this: several deployments (or tests)
    # can share one broker and one Redis.
    sync_queue_prefix: str = Field("emr", pattern=r"^[A-Za-z0-9_.\-]{1,40}$")

    # --- web app --------------------------------------------------------------
    flask_secret_key: SecretStr = SecretStr("dev-only-change-me")
    webhook_max_bytes: int = 1_000_000
    webhook_max_json_depth: int = Field(8, ge=2)  # nesting of a JSON event, checked before parsing
    webhook_max_notifications: int = Field(100, ge=1, le=100)  # per Outbound Message (SF: 100)
    public_base_url: str = "http://127.0.0.1:8000"
    # "user:password" guarding /oauth/* (connect/disconnect Salesforce); unset = loopback only.
    admin_basic_auth: SecretStr | None = None

    # --- Salesforce -----------------------------------------------------------
    sf_login_url: str = "https://login.salesforce.com"
    sf_client_id: str = ""
    sf_client_secret: SecretStr = SecretStr("")
    sf_redirect_uri: str = "http://127.0.0.1:8000/oauth/callback"
    sf_api_version: str = "62.0"
    sf_allowed_org_ids: str = ""  # comma-separated 15/18-char org ids
    sf_signing_secret: SecretStr = SecretStr("")  # HMAC secret shared with the Apex Queueable
    # The secret last path segment of the Outbound Message endpoint URL
    # (POST /salesforce/outbound-message/<secret>); the bare path works only in development.
    sf_outbound_message_secret: SecretStr = SecretStr("")
    # Which inbound endpoints are on: "outbound-message", "apex-callout" (comma-separated).
    sf_inbound_channels: str = "outbound-message,apex-callout"
    # Key prefix of Patient__c ids in this org (custom objects get theirs per org).
    sf_patient_key_prefix: str = Field("a00", pattern=r"^[A-Za-z0-9]{3}$")
    sf_event_max_age_seconds: int = 300
    sf_callback_path: str = "/services/apexrest/EmrSync/"
    sf_field_map: Path | None = None  # JSON file overriding the default field map
    # Username-password grant, for scripts and the sandbox only.
    sf_username: str = ""
    sf_password: SecretStr = SecretStr("")

    # --- EMR portal -----------------------------------------------------------
    emr_portal: str = "demo_emr"
    emr_url: str = "http://127.0.0.1:8001"
    emr_username: str = ""
    emr_password: SecretStr = SecretStr("")
    emr_session_cap: int = Field(2, ge=1)  # concurrent portal sessions the licence allows
    emr_session_max_jobs: int = Field(50, ge=1)  # recycle the browser after this many jobs
    # A worker that ran no job for this long gives its licensed session slot to others.
    emr_session_idle_seconds: int = Field(300, ge=30)
    emr_page_timeout: float = 20.0
    # Width,height of the browser window: responsive EMRs (Bootstrap) hide menus when narrow.
    emr_window_size: str = Field("1280,900", pattern=r"^\d{3,5},\d{3,5}$")
    emr_artifact_dir: Path = REPO_ROOT / ".data" / "artifacts"
    emr_artifact_retention: int = 50  # failure captures kept, oldest dropped first
    selenium_remote_url: str | None = None
    chromedriver: str | None = None
    chromium_binary: str | None = None

    # --- jobs -----------------------------------------------------------------
    # Retries outlast a realistic outage: delays double from the base up to the cap, each
    # at least half its nominal value (equal jitter), so 8 retries span >= 22 minutes.
    sync_max_retries: int = Field(8, ge=0)
    sync_retry_backoff_base: float = Field(30.0, gt=0)  # seconds, the first retry's nominal delay
    sync_retry_backoff_max: int = Field(600, ge=1)  # seconds; far below RabbitMQ's 30 min timeout
    sync_task_time_limit: int = 600
    # A chart lock's lease, renewed every third of it while its job runs: the lock of a
    # worker that died (on any host) frees itself within this time.
    sync_lock_seconds: int = Field(60, ge=3)
    # Reconciliation sweep (syncapp.sweep): every N seconds (0: off), at most M records a pass,
    # changes younger than the grace period left to their notification.
    sync_sweep_seconds: float = Field(300.0, ge=0)
    sync_sweep_batch: int = Field(200, ge=1, le=2000)
    sync_sweep_grace_seconds: float = Field(60.0, ge=0)
    sync_sweep_lookback_hours: float = Field(48.0, gt=0)

    # --- Flower ---------------------------------------------------------------
    flower_basic_auth: SecretStr | None = None  # "user:password"

    @property
    def production(self) -> bool:
        return self.sync_env == "production"

    @property
    def inbound_channels(self) -> set[str]:
        return {c.strip() for c in self.sf_inbound_channels.split(",") if c.strip()}

    @property
    def allowed_org_ids(self) -> set[str]:
        """Org ids compared on their first 15 characters, as Salesforce ids are."""
        return {o.strip()[:15] for o in self.sf_allowed_org_ids.split(",") if o.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()``."""
    return Settings()
