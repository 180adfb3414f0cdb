"""The GNU Health adapter's settings and value rules, without a browser."""

from __future__ import annotations

import pytest

from portal_pages.adapters import AdapterConfigError, check_bundle, check_configuration
from portal_pages.gnuhealth import GnuHealthPortal
from portal_pages.gnuhealth.settings import STATE_CODES, US_STATES, GnuHealthSettings
from scripts.gnuhealth.layout import Layout
from syncapp.errors import InvalidBundle
from syncapp.settings import Settings
from tests.portal_pages.conftest import full_bundle

pytestmark = pytest.mark.unit


def test_a_payer_outside_the_map_is_refused_before_the_portal(monkeypatch):
    monkeypatch.setenv("EMR_GNUHEALTH_PAYERS", '{"UnitedHealthcare": "UHC"}')
    bundle = full_bundle()  # UnitedHealthcare primary, Cigna secondary
    with pytest.raises(InvalidBundle) as info:
        check_bundle(GnuHealthPortal, bundle)
    assert info.value.fields == ["insurance.1.payer"]


def test_the_default_map_takes_every_sample_payer_and_state():
    assert GnuHealthPortal.bundle_problems(full_bundle()) == []


def test_payers_map_both_ways(monkeypatch):
    monkeypatch.setenv("EMR_GNUHEALTH_PAYERS", '{"Aetna": "Aetna Inc."}')
    s = GnuHealthSettings()
    assert s.insurer("Aetna") == "Aetna Inc." and s.payer("Aetna Inc.") == "Aetna"
    assert s.payer("Unknown Mutual") == "Unknown Mutual"  # unmapped: shows as a difference


def test_a_payer_map_that_is_not_json_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("EMR_GNUHEALTH_PAYERS", "Aetna=Aetna Inc.")
    with pytest.raises(AdapterConfigError, match="EMR_GNUHEALTH_PAYERS"):
        check_configuration(Settings(emr_portal="gnuhealth"))


def test_every_state_code_has_one_name():
    assert len(US_STATES) == len(STATE_CODES) == 56


def test_the_session_timeout_reaches_trytond_config():
    layout = Layout.from_env({"GNUHEALTH_SESSION_TIMEOUT": "7", "GNUHEALTH_PORT": "8999"})
    text = layout.config_text()
    assert "[session]\ntimeout = 7" in text and "listen = 127.0.0.1:8999" in text
