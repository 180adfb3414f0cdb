"""The GNU Health layout: what ``make down`` reads back, what the worker is told, whose files."""

from __future__ import annotations

import pytest

from scripts.gnuhealth.layout import Layout

pytestmark = pytest.mark.unit

ENV = {
    "GNUHEALTH_DIR": "/tmp/gh",
    "GNUHEALTH_PORT": "18003",
    "GNUHEALTH_DB_URI": "postgresql://postgres@127.0.0.1:5432/",
    "GNUHEALTH_DATABASE": "gh_test",
    "GNUHEALTH_ADMIN_PASSWORD": "pw",
    "GNUHEALTH_SESSION_TIMEOUT": "30",
}


def test_the_variables_give_the_same_layout_back():
    layout = Layout.from_env(ENV)
    assert layout.env() == ENV
    assert Layout.from_env(layout.env()) == layout
    default = Layout.from_env({})
    assert Layout.from_env(default.env()) == default


def test_the_worker_is_pointed_at_this_server_and_database():
    layout = Layout.from_env(ENV)
    assert layout.worker_env() == {
        "EMR_PORTAL": "gnuhealth",
        "EMR_URL": "http://127.0.0.1:18003",
        "EMR_USERNAME": "admin",
        "EMR_PASSWORD": "pw",
        "EMR_GNUHEALTH_DATABASE": "gh_test",
    }


def test_each_database_has_its_own_server_files_and_the_default_keeps_the_old_names():
    other, default = Layout.from_env(ENV), Layout.from_env({"GNUHEALTH_DIR": "/tmp/gh"})
    assert default.pidfile.name == "trytond.pid" and default.conf.name == "trytond.conf"
    assert other.pidfile.name == "trytond-gh_test.pid"
    assert other.log.name == "trytond-gh_test.log" and other.conf.name == "trytond-gh_test.conf"
    assert other.pristine_database == "gh_test_pristine"


def test_postgresql_config_names_the_server_and_keeps_the_filestore_under_the_install():
    text = Layout.from_env(ENV).config_text()
    assert "uri = postgresql://postgres@127.0.0.1:5432/\n" in text
    assert "path = /tmp/gh/db\n" in text and "listen = 127.0.0.1:18003\n" in text
    assert Layout.from_env(ENV).sqlite is False and Layout.from_env({}).sqlite is True
