"""The adapter contract suite's fixtures: one real test instance per EMR adapter.

Every adapter must pass ``test_contract.py`` against a real instance of its
EMR. The suite is parametrized by ``CONTRACT_ADAPTERS``; adding an EMR is one
session fixture named ``contract_<adapter>`` that returns an object with the
interface below (``ContractEmr``), plus its name in ``CONTRACT_ADAPTERS``.

Fixture contract (read the EMR *itself*, never the adapter under test):

``name``                   the adapter's ``EMR_PORTAL`` name.
``settings(dir, **kw)``    ``Settings`` for ``PortalClient`` (URL, credentials,
                           ``emr_artifact_dir=dir``, ``kw`` overrides).
``reset()``                an empty EMR (no patient) with calm fault knobs;
                           called before every test.
``bundle()``               a full patient bundle this EMR accepts (its payers).
``one_field``              ``(name, change)``: a field the EMR stores
                           (``"demographics.phone"``) and a function that changes
                           it in a bundle.
``charts()``               EMR ids of every chart in the EMR.
``stored(mrn)``            what the EMR holds for one chart, as flat names
                           (``"demographics.phone"``, ``"insurance.primary.member_id"``)
                           -> text, so a test can see exactly which fields changed.
``write_mark(mrn)``        a value that changes whenever anything of that chart
                           is written (a write log's length, a ``write_date``).
``add_twin(bundle, client)`` a second chart with the bundle's name and DOB, made
                           behind the sync's back (the EMR's API, or the UI).
``lock(client)``           make the EMR's idle lock screen / password re-prompt
                           appear on the client's next action (shorten the idle
                           time in the test configuration, wait it out), and
                           ``unlock_count(caplog)`` >= 1 afterwards proves the guard ran.

The demo portal's fixture is below; GNU Health's lives beside its installer
(JSON-RPC reads are fine there: tests may read the EMR's API, the adapter may not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal_pages import PortalClient
from portal_pages.diff import demographics_values, non_empty
from syncapp.bundle import PatientBundle
from syncapp.settings import Settings
from tests.portal_pages.conftest import (  # noqa: F401 - the session's Demo EMR
    PASSWORD,
    USERNAME,
    Sandbox,
    full_bundle,
    make_settings,
    sandbox,
)
from tests.support.servers import wait_until

CONTRACT_ADAPTERS = ["demo_emr", "gnuhealth"]


def _flat(prefix: str, values: dict) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(_flat(f"{prefix}{key}.", value))
        elif key not in ("salesforce_id", "emr_patient_id"):
            out[f"{prefix}{key}"] = "" if value is None else str(value)
    return out


class DemoEmrContract:
    """The Demo EMR stand-in, read through its ``/__sandbox__/`` inspection API."""

    name = "demo_emr"

    def __init__(self, stand_in: Sandbox) -> None:
        self.sandbox = stand_in

    one_field: tuple[str, Callable[[PatientBundle], None]] = (
        "demographics.phone",
        lambda b: setattr(b.patient, "phone", "(555) 010-4242"),
    )

    def settings(self, artifact_dir: Path, **overrides) -> Settings:
        return make_settings(self.sandbox, artifact_dir, **overrides)

    def reset(self) -> None:
        self.sandbox.reset()

    def bundle(self) -> PatientBundle:
        return full_bundle()

    def charts(self) -> list[str]:
        return [p["emr_patient_id"] for p in self.sandbox.patients()]

    def _chart(self, mrn: str) -> dict:
        return next(p for p in self.sandbox.patients() if p["emr_patient_id"] == mrn)

    def stored(self, mrn: str) -> dict[str, str]:
        chart = self._chart(mrn)
        out = _flat("demographics.", chart["patient"])
        out = {k.replace("demographics.address.", "demographics."): v for k, v in out.items()}
        for i, guardian in enumerate(chart["guardians"]):
            out.update(_flat(f"guardians.{i}.", guardian))
        for coverage in chart["insurance"]:
            out.update(_flat(f"insurance.{coverage['rank']}.", coverage))
        for i, note in enumerate(chart["notes"]):
            out.update(_flat(f"notes.{i}.", note))
        return out

    def write_mark(self, mrn: str) -> int:
        return sum(w["emr_patient_id"] == mrn for w in self.sandbox.writes())

    def add_twin(self, bundle: PatientBundle, client: PortalClient) -> str:
        """The stand-in has no create API: a clerk's second chart, made through the UI."""
        values = non_empty(demographics_values(bundle.patient))
        return client.session().create_patient(values)  # type: ignore[union-attr]

    def lock(self, client: PortalClient) -> None:
        self.sandbox.faults(idle_lock_seconds=0.5)

        def locked() -> bool:  # page loads refresh the session only until it is idle enough
            client.driver.get(self.sandbox.url + "/patients")  # type: ignore[union-attr]
            return client.driver.execute_script(  # type: ignore[union-attr]
                "return !!document.querySelector('#lock-screen.open')"
            )

        wait_until(locked, timeout=10, interval=0.7, what="the lock screen")

    @staticmethod
    def unlock_count(caplog) -> int:
        return sum(r.getMessage() == "lock screen cleared" for r in caplog.records)


@pytest.fixture(scope="session")
def contract_demo_emr(sandbox) -> DemoEmrContract:  # noqa: F811 - the imported session fixture
    return DemoEmrContract(sandbox)


@pytest.fixture(scope="session")
def contract_gnuhealth():
    """The real GNU Health (installed and started on first use; see tests/contract/gnuhealth.py)."""
    from tests.contract.gnuhealth import gnuhealth_instance

    with gnuhealth_instance() as instance:
        yield instance


@pytest.fixture(params=CONTRACT_ADAPTERS)
def emr(request):
    """The EMR under test, emptied."""
    instance = request.getfixturevalue(f"contract_{request.param}")
    instance.reset()
    return instance


@pytest.fixture(scope="session")
def _clients(tmp_path_factory) -> Iterator[dict[str, PortalClient]]:
    clients: dict[str, PortalClient] = {}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def client(emr, _clients, tmp_path_factory) -> PortalClient:
    """One warm client per adapter for the whole session, as a worker keeps one."""
    if emr.name not in _clients:
        settings = emr.settings(tmp_path_factory.mktemp(f"artifacts-{emr.name}"))
        _clients[emr.name] = PortalClient.from_settings(settings)
    return _clients[emr.name]


@pytest.fixture(autouse=True)
def _env(monkeypatch) -> None:
    """Credentials come from the environment, as in production."""
    monkeypatch.setenv("EMR_USERNAME", USERNAME)
    monkeypatch.setenv("EMR_PASSWORD", PASSWORD)
