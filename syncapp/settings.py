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
    emr_artifact_dir: Path = REPO_ROOT / ".data" / "artifacts"
    emr_artifact_retention: int = 50  # failure captures kept, oldest dropped first
    selenium_remote_url: str | None = None
    chromedriver: str | None = None
    chromium_binary: str | None = None

    # --- jobs -----------------------------------------------------------------
    sync_max_retries: int = 5
    sync_retry_backoff_base: float = 5.0  # seconds; doubled per retry, with full jitter
    sync_retry_backoff_max: int = 300  # seconds; far below RabbitMQ's 30 min consumer timeout
    sync_task_time_limit: int = 600
    sync_lock_seconds: int = 900

    # --- Flower ---------------------------------------------------------------
    flower_basic_auth: SecretStr | None = None  # "user:password"

    @property
    def allowed_org_ids(self) -> set[str]:
        """Org ids compared on their first 15 characters, as Salesforce ids are."""
        return {o.strip()[:15] for o in self.sf_allowed_org_ids.split(",") if o.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()``."""
    return Settings()
