"""docker-compose.yml, the Dockerfile and the Procfile hold together (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services_and_wiring():
    services = _compose()["services"]
    assert {"rabbitmq", "redis", "web", "worker", "flower", "chromium"} <= set(services)
    assert "management" in services["rabbitmq"]["image"]
    assert services["worker"]["environment"]["SELENIUM_REMOTE_URL"].startswith(
        "http://chromium:4444"
    )
    for name in ("web", "worker"):
        deps = services[name]["depends_on"]
        assert deps["rabbitmq"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["chromium"]["condition"] == "service_healthy"
    for name, svc in services.items():
        assert "healthcheck" in svc, f"{name} has no healthcheck"
        assert svc["healthcheck"]["test"], name


def test_every_app_setting_in_compose_is_a_real_setting():
    from syncapp.settings import Settings

    known = {name.upper() for name in Settings.model_fields}
    env = _compose()["services"]["web"]["environment"]
    unknown = set(env) - known
    assert not unknown, f"compose sets variables the app does not read: {unknown}"


def test_no_secret_is_committed_in_compose():
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("PASSWORD", "SECRET", "ENCRYPTION_KEY", "BASIC_AUTH"):
        for line in text.splitlines():
            if (
                secret in line
                and ":" in line
                and "${" not in line
                and "RABBITMQ_DEFAULT" not in line
            ):
                key, _, value = line.partition(":")
                assert not value.strip() or value.strip().startswith("*"), line


def test_env_example_documents_every_setting():
    from syncapp.settings import Settings

    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    missing = {name.upper() for name in Settings.model_fields} - documented
    assert not missing, f".env.example does not document: {sorted(missing)}"


def test_dockerfile_and_procfile_start_the_same_programs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "syncapp.web.app:create_app()" in dockerfile
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert "syncapp.web.app:create_app()" in procfile["web"]
    assert "celery -A tasks worker" in procfile["worker"]
