"""The adapter framework without a browser: capabilities, settings, value rules, batched saves.

``FakeEmr`` is an in-memory EMR behind the ``Portal`` protocol (nothing here
that runs for real is replaced: the protocol is ours). It records every call, so
the tests can see that a section the EMR cannot hold is never read or written,
and that a ``saves_once`` adapter is saved exactly once per job.
"""

from __future__ import annotations

import pytest

from portal_pages import adapters, diff, sync
from portal_pages.adapters import AdapterConfigError, check_configuration, unknown_variables
from portal_pages.client import PortalClient
from portal_pages.demo_emr import DemoEmrPortal
from syncapp.errors import InvalidBundle
from syncapp.settings import Settings
from tests.portal_pages.conftest import full_bundle


class FakeEmr:
    """Holds demographics and coverages only; can stage changes and save once."""

    name = "fake"
    not_stored = frozenset(
        {"guardians", "notes", "demographics.middle_name", "insurance.group_number"}
    )
    saves_once = True

    def __init__(self) -> None:
        self.charts: dict[str, dict] = {}
        self.open: dict | None = None
        self.calls: list[str] = []

    def _call(self, name: str) -> None:
        self.calls.append(name)

    def recover(self, mrn):
        self._call("recover")

    def open_chart(self, mrn):
        self._call("open_chart")
        self.open = {k: dict(v) if isinstance(v, dict) else v for k, v in self.charts[mrn].items()}
        return True

    def search(self, last, first, dob):
        self._call("search")
        return []

    def create_patient(self, demographics):
        self._call("create_patient")
        self.open = {"mrn": "", "demographics": {}, "coverages": {}}
        return ""  # staged: save() stores it

    def save(self):
        self._call("save")
        if not self.open["mrn"]:
            self.open["mrn"] = f"F{len(self.charts) + 1}"
        self.charts[self.open["mrn"]] = self.open
        return self.open["mrn"]

    def read_demographics(self):
        self._call("read_demographics")
        return dict(self.open["demographics"])

    def write_demographics(self, changes):
        self._call("write_demographics")
        assert "middle_name" not in changes
        self.open["demographics"].update(changes)

    def read_coverages(self):
        self._call("read_coverages")
        return {r: self.open["coverages"].get(r) for r in diff.RANKS}

    def write_coverage(self, rank, values):
        self._call("write_coverage")
        assert "group_number" not in values
        self.open["coverages"].setdefault(rank, {}).update(values)

    def remove_coverage(self, rank):
        self.open["coverages"].pop(rank)

    def __getattr__(self, name):  # guardians and notes: never called
        raise AssertionError(f"{name} called on a section the EMR cannot hold")


def test_not_stored_is_honoured_reported_and_saved_once():
    emr, bundle = FakeEmr(), full_bundle()
    bundle.patient.middle_name = "Chidinma"
    first = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False)
    assert first.created and first.emr_patient_id == "F1"
    assert emr.calls.count("save") == 1  # demographics and coverages in one save
    assert first.not_stored == [
        "demographics.middle_name",
        "guardians",
        "insurance.group_number",
        "notes",
    ]
    assert not any(name.startswith(("guardians", "notes")) for name in first.changed_fields)
    assert "demographics.middle_name" not in first.changed_fields
    emr.calls.clear()
    again = sync.upsert(emr, bundle, emr_patient_id="F1", dry_run=False)
    assert again.changed_fields == []  # a field the EMR cannot hold is never a difference
    assert "write_demographics" not in emr.calls and "write_coverage" not in emr.calls
    assert again.to_dict()["not_stored"] == first.not_stored


def test_dry_run_of_a_new_patient_names_only_what_the_emr_can_hold():
    names = diff.creation_changed_fields(full_bundle(), FakeEmr.not_stored)
    assert names and not any(n.startswith(("guardians", "notes")) for n in names)


def test_not_stored_names_only_what_the_bundle_has():
    bundle = full_bundle()
    bundle.guardians = []
    bundle.patient.middle_name = None
    assert diff.not_stored_names(bundle, FakeEmr.not_stored) == [
        "insurance.group_number",
        "notes",
    ]


def test_unknown_emr_variables_are_refused_with_a_suggestion():
    env = {
        "EMR_PORTL": "demo_emr",
        "EMR_URL": "http://x",
        "EMR_DEMO_PAYERS": '["Aetna"]',
        "EMR_GNUHEALTH_DATABASE": "health",
        "EMR_SANDBOX_DB": "/tmp/x",
        "EMR_PORT": "8001",  # make up's port for the sandbox portal
        "PATH": "/bin",
    }
    assert unknown_variables(env) == ["unknown variable EMR_PORTL (did you mean EMR_PORTAL?)"]
    with pytest.raises(AdapterConfigError, match="EMR_PORTL"):
        check_configuration(Settings(), env)


def test_adapter_settings_are_validated_at_start_up(monkeypatch):
    monkeypatch.setenv("EMR_DEMO_PAYERS", "not a JSON list")
    with pytest.raises(AdapterConfigError, match="EMR_DEMO_PAYERS"):
        PortalClient.from_settings(Settings())
    monkeypatch.setenv("EMR_DEMO_PAYERS", '["Aetna", "Acme Health"]')
    assert check_configuration(Settings()).payers == ("Aetna", "Acme Health")
    monkeypatch.setenv("EMR_DEMO_PAYER", '["Aetna"]')  # a typo under the adapter's own prefix
    with pytest.raises(AdapterConfigError, match="did you mean EMR_DEMO_PAYERS"):
        check_configuration(Settings())


def test_registry_prefixes_match_the_adapters_settings():
    for name, entry in adapters.ADAPTERS.items():
        settings_class = getattr(adapters.get_adapter(name), "settings_class", None)
        if settings_class is not None:
            assert settings_class.model_config["env_prefix"] == entry.env_prefix


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: setattr(b.insurance[0], "payer", "Acme Health"), "insurance.0.payer"),
        (lambda b: setattr(b.insurance[1], "member_id", "AB-12"), "insurance.1.member_id"),
        (lambda b: setattr(b.patient.address, "state", "Bavaria"), "patient.address.state"),
        (
            lambda b: setattr(b.patient.address, "postal_code", "8001"),
            "patient.address.postal_code",
        ),
    ],
)
def test_demo_value_rules_are_the_adapters(change, field):
    bundle = full_bundle()
    change(bundle)
    with pytest.raises(InvalidBundle) as info:
        adapters.check_bundle(DemoEmrPortal, bundle, "a0000000000003AAAA")
    assert info.value.fields == [field] and info.value.retryable is False
    for value in ("Acme Health", "AB-12", "Bavaria", "8001"):
        assert value not in str(info.value)


def test_a_worker_with_an_unknown_emr_variable_refuses_to_start(tmp_path):
    import subprocess
    import sys

    from tests.support.servers import ROOT

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SYNC_ENV": "development"}
    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=solo"],
        cwd=ROOT,
        env={**env, "EMR_PASWORD": "x", "SYNC_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 2
    assert "refusing to start" in worker.stderr and "EMR_PASWORD" in worker.stderr
    assert "did you mean EMR_PASSWORD?" in worker.stderr


def test_a_known_emr_id_opens_the_chart_directly_and_one_match_is_left_open():
    emr, bundle = FakeEmr(), full_bundle()
    mrn = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False).emr_patient_id
    emr.calls.clear()
    sync.upsert(emr, bundle, emr_patient_id=mrn, dry_run=False)
    assert emr.calls[0] == "open_chart" and "search" not in emr.calls  # a deep link

    def one_match(last, first, dob):
        emr.calls.append("search")
        emr.open_chart(mrn)  # the adapter leaves the one match open
        emr.calls.pop()
        return [mrn]

    emr.search = one_match  # type: ignore[method-assign]
    emr.calls.clear()
    again = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False)
    assert again.emr_patient_id == mrn and not again.created
    assert emr.calls[0] == "search" and "open_chart" not in emr.calls  # no second navigation
