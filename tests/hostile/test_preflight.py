"""Finding 2: in production nothing starts with a missing, short or default secret.

One clear line per problem, naming the variable; exit status 3 (non-zero; gunicorn's
"worker failed to boot", so its arbiter stops instead of respawning workers). The
in-process cases call the factory; the process cases start the real commands
(``python -m syncapp``, gunicorn's factory, the Celery worker, Flower's config).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncapp.preflight import ConfigurationError
from tests.hostile.conftest import PRODUCTION_ENV, build_app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

UNSAFE = {
    "FLASK_SECRET_KEY-missing": ("FLASK_SECRET_KEY", None),
    "FLASK_SECRET_KEY-default": ("FLASK_SECRET_KEY", "dev-only-change-me"),
    "FLASK_SECRET_KEY-short": ("FLASK_SECRET_KEY", "x7Gq2"),
    "SYNC_ENCRYPTION_KEY-missing": ("SYNC_ENCRYPTION_KEY", None),
    "SYNC_ENCRYPTION_KEY-invalid": ("SYNC_ENCRYPTION_KEY", "not-a-fernet-key"),
    "ADMIN_BASIC_AUTH-missing": ("ADMIN_BASIC_AUTH", None),
    "ADMIN_BASIC_AUTH-default": ("ADMIN_BASIC_AUTH", "admin:change-me"),
    "ADMIN_BASIC_AUTH-short": ("ADMIN_BASIC_AUTH", "admin:hunter2"),
    "ADMIN_BASIC_AUTH-no-colon": ("ADMIN_BASIC_AUTH", "adminhunter2hunter2hunter2"),
    "FLOWER_BASIC_AUTH-missing": ("FLOWER_BASIC_AUTH", None),
    "FLOWER_BASIC_AUTH-default": ("FLOWER_BASIC_AUTH", "admin:change-me"),
    "SF_OUTBOUND_MESSAGE_SECRET-missing": ("SF_OUTBOUND_MESSAGE_SECRET", None),
    "SF_OUTBOUND_MESSAGE_SECRET-short": ("SF_OUTBOUND_MESSAGE_SECRET", "abc123"),
    "SF_OUTBOUND_MESSAGE_SECRET-not-url-safe": ("SF_OUTBOUND_MESSAGE_SECRET", "a/b?c" * 10),
    "SF_SIGNING_SECRET-missing": ("SF_SIGNING_SECRET", None),
    "SF_SIGNING_SECRET-default": ("SF_SIGNING_SECRET", "change-me"),
    "SF_SIGNING_SECRET-sandbox": ("SF_SIGNING_SECRET", "sandbox-signing-secret"),
    "SF_ALLOWED_ORG_IDS-missing": ("SF_ALLOWED_ORG_IDS", None),
    "SF_ALLOWED_ORG_IDS-bad-checksum": ("SF_ALLOWED_ORG_IDS", "00D5g000004CDEFAAA"),
    "SF_ALLOWED_ORG_IDS-not-an-org": ("SF_ALLOWED_ORG_IDS", "a004W0x7iRjr1u8QQA"),
}


@pytest.mark.parametrize("variable, value", UNSAFE.values(), ids=UNSAFE.keys())
def test_the_web_app_refuses_to_start(monkeypatch, tmp_path, capsys, variable, value):
    with pytest.raises(ConfigurationError) as info:
        build_app(monkeypatch, tmp_path, **{variable: value})
    assert info.value.code == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], lines


def test_a_channel_that_is_off_needs_no_secret(monkeypatch, tmp_path):
    build_app(
        monkeypatch,
        tmp_path,
        SF_INBOUND_CHANNELS="outbound-message",
        SF_SIGNING_SECRET=None,
    )


def test_no_generated_encryption_key_in_production(monkeypatch, tmp_path):
    from syncapp import crypto
    from syncapp.settings import get_settings

    monkeypatch.setenv("SYNC_ENV", "production")
    monkeypatch.delenv("SYNC_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("SYNC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="SYNC_ENCRYPTION_KEY"):
        crypto.get_fernet()
    assert not (tmp_path / "dev-encryption.key").exists()


def test_production_is_the_default():
    from syncapp.settings import Settings

    assert Settings(_env_file=None, sync_env=None or "production").production
    assert Settings.model_fields["sync_env"].default == "production"


def _bare_env(tmp_path) -> dict[str, str]:
    """This process's environment without any of the service's settings: production."""
    keep = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "SYNC_ENV"}
    return {**keep, "SYNC_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}


COMMANDS = {
    "python -m syncapp": [sys.executable, "-m", "syncapp", "--port", "0"],
    "gunicorn factory": [
        str(BIN / "gunicorn"),
        "--bind",
        "127.0.0.1:0",
        "syncapp.web.app:create_app()",
    ],
    "celery worker": [
        str(BIN / "celery"),
        "-A",
        "tasks",
        "worker",
        "--pool=solo",
    ],
    "flower": [
        str(BIN / "celery"),
        "-A",
        "tasks",
        "flower",
        "--conf=flowerconfig.py",
        "--port=0",
    ],
}


@pytest.mark.services
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_processes_refuse_to_start_in_production(tmp_path, command):
    proc = subprocess.run(
        command, cwd=ROOT, env=_bare_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    for variable in (
        "FLASK_SECRET_KEY",
        "SYNC_ENCRYPTION_KEY",
        "ADMIN_BASIC_AUTH",
        "FLOWER_BASIC_AUTH",
        "SF_OUTBOUND_MESSAGE_SECRET",
        "SF_SIGNING_SECRET",
        "SF_ALLOWED_ORG_IDS",
    ):
        assert f"refusing to start: {variable}" in proc.stderr, (variable, proc.stderr[-2000:])
