"""GNU Health's contract instance: the real server ``make gnuhealth`` installs, read by JSON-RPC.

The session fixture installs and starts it (idempotent: ~2 min once on a fresh
clone, ~1 s after), so CI needs nothing prepared. ``reset`` copies the pristine
database back and restarts trytond (~2 s). The idle re-prompt is produced the
way trytond itself decides a session is idle: its ``ir_session`` row is aged
past the timeout, so the next action is answered 401 and SAO asks for the
password again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from portal_pages import PortalClient
from scripts.gnuhealth import chart
from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.rpc import Rpc
from scripts.gnuhealth.server import reset, stop, up
from syncapp.bundle import PatientBundle
from syncapp.settings import Settings
from tests.portal_pages.conftest import ENCRYPTION_KEY, full_bundle
from tests.support.servers import free_port


class GnuHealthContract:
    name = "gnuhealth"
    one_field: tuple[str, Callable[[PatientBundle], None]] = (
        "demographics.phone",
        lambda b: setattr(b.patient, "phone", "(555) 010-4242"),
    )

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._bundles = 0

    def rpc(self) -> Rpc:
        return Rpc(self.layout)

    def settings(self, artifact_dir: Path, **overrides) -> Settings:
        values = {
            "emr_portal": "gnuhealth",
            "emr_url": self.layout.url.rstrip("/"),
            "emr_username": "admin",
            "emr_password": self.layout.password,
            "emr_page_timeout": 20.0,
            "emr_artifact_dir": artifact_dir,
            "emr_artifact_retention": 5,
            "sync_encryption_key": ENCRYPTION_KEY,
            **overrides,
        }
        return Settings(**values)

    def reset(self) -> None:
        reset(self.layout)

    def bundle(self) -> PatientBundle:
        """Member ids made unique per bundle: GNU Health refuses a number twice per insurer."""
        bundle = full_bundle()
        self._bundles += 1
        for coverage in bundle.insurance:
            coverage.member_id = f"{coverage.member_id[:14]}X{self._bundles}"
        return bundle

    def charts(self) -> list[str]:
        return chart.puids(self.rpc())

    def stored(self, mrn: str) -> dict[str, str]:
        return chart.stored(self.rpc(), mrn)

    def write_mark(self, mrn: str) -> tuple:
        return chart.write_mark(self.rpc(), mrn)

    def add_twin(self, bundle: PatientBundle, client: PortalClient) -> str:
        """A second person with the same name and DOB, made through the EMR's API."""
        p = bundle.patient
        dob = p.date_of_birth
        values = {
            "name": p.first_name,
            "lastname": p.last_name,
            "dob": {"__class__": "date", "year": dob.year, "month": dob.month, "day": dob.day},
            "gender": {v: k for k, v in chart.SEX.items()}[p.sex],
            "is_person": True,
            "is_patient": True,
            "fed_country": None,
        }
        rpc = self.rpc()
        (party_id,) = rpc.call("party.party", "create", [values])
        return rpc.search_read("party.party", [["id", "=", party_id]], ["ref"])[0]["ref"]

    def lock(self, client: PortalClient) -> None:
        """Age every session past trytond's idle timeout: the next action is re-prompted."""
        with sqlite3.connect(self.layout.db_file) as db:
            db.execute(
                "UPDATE ir_session SET create_date = '2000-01-01 00:00:00', "
                "write_date = '2000-01-01 00:00:00'"
            )

    @staticmethod
    def unlock_count(caplog) -> int:
        return sum(r.getMessage() == "lock screen cleared" for r in caplog.records)


@contextmanager
def gnuhealth_instance() -> Iterator[GnuHealthContract]:
    """GNU Health up for the block, stopped after it (no trytond outlives the tests)."""
    # A port of our own unless one is given: a server another checkout (or ``make gnuhealth``)
    # left on 8003 is not ours, and would make ``start`` refuse the taken port.
    env = {"GNUHEALTH_PORT": str(free_port()), **os.environ}
    layout = Layout.from_env(env)
    up(layout)
    try:
        yield GnuHealthContract(layout)
    finally:
        stop(layout)
