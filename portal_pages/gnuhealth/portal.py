"""The GNU Health adapter: the ``Portal`` protocol on SAO's party form.

Decisions (docs/gnuhealth.md has what SAO does):

* The EMR id is the person's PUID (``ref``, shown as the Federation ID). A
  chart is opened by database id when this session has seen it (a deep link,
  checked against the PUID), else by a PUID search.
* ``saves_once``: GNU Health edits a party in one form (demographics on the
  main and General pages, contacts, insurances on the Health page) and
  stores it with one Save: sections are staged on the open form, ``save()``
  stores them together, and a no-op stages nothing and saves nothing.
* A chart is read once, when it opens (one script: fields and both lists);
  sections are read from that until one is written, then read again.
* Not stored (declared, so the sync reports them): guardians (GNU Health
  keeps family as *Family* records with their own rules), notes (clinical
  evaluations signed by a health professional, not free text from a CRM), the
  middle name, and a coverage's group number and subscriber.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from portal_pages.core.browser import Browser
from portal_pages.core.retry import run_step
from portal_pages.diff import GuardianRow, Values
from portal_pages.gnuhealth.contacts import ContactMechanisms
from portal_pages.gnuhealth.insurance import Insurances
from portal_pages.gnuhealth.party import PartyForm
from portal_pages.gnuhealth.session import SaoGuard
from portal_pages.gnuhealth.settings import GnuHealthSettings, bundle_problems
from syncapp.bundle import PatientBundle
from syncapp.errors import PortalRejected, PortalUnavailable
from syncapp.settings import Settings


class GnuHealthPortal:
    name = "gnuhealth"
    settings_class = GnuHealthSettings
    saves_once = True
    reports_assigned_ids = True  # ``save`` tells a new person's PUID
    not_stored: ClassVar[frozenset[str]] = frozenset(
        {"guardians", "notes", "demographics.middle_name", "insurance.group_number"}
        | {"insurance.subscriber_name", "insurance.subscriber_relationship"}
    )

    def __init__(self, browser: Browser, settings: Settings) -> None:
        self.browser, self.settings = browser, GnuHealthSettings()
        password = settings.emr_password.get_secret_value()
        self.browser.session_guard = self.guard = SaoGuard(
            browser, settings.emr_username or "admin", password
        )
        self.form = PartyForm(browser, self.settings, reload=self._login)
        self.contacts, self.insurances = ContactMechanisms(browser), Insurances(browser)
        self.chart: dict | None = None  # the open chart as read; a section written is dropped
        self.staged = False  # changes on screen, not saved yet
        self._ids: dict[str, int] = {}  # PUID -> database id, for deep links

    @classmethod
    def bundle_problems(cls, bundle: PatientBundle) -> list[tuple[str, str]]:
        return bundle_problems(bundle, GnuHealthSettings())

    # --- session ---------------------------------------------------------------------
    def login(self) -> None:
        run_step("login", self._login, recover=lambda: None)

    def _login(self) -> None:
        self.browser.page = "login"
        self.browser.goto(f"/#{self.settings.database}", reload=True)
        if not self.guard.started():
            self.browser.sign_in()

    def recover(self, mrn: str | None) -> None:
        """Reload SAO (drops any dialog or half-made form), log in if asked, reopen the chart."""
        self._login()
        if mrn and not self.open_chart(mrn):
            raise PortalUnavailable("the chart did not open again", page="party")

    # --- finding, creating, saving ------------------------------------------------------
    def _opened(self, chart: dict, page: str = "party") -> str:
        self.browser.page, self.chart, self.staged = page, chart, False
        if chart["ref"]:
            self._ids[chart["ref"]] = chart["id"]
        return chart["ref"]

    def open_chart(self, mrn: str) -> bool:
        self.chart = None
        if mrn in self._ids and self._opened(self.form.open_id(self._ids[mrn])) == mrn:
            return True
        self.chart, rows = None, self.form.search([["ref", "=", mrn]])
        return len(rows) == 1 and self._opened(self.form.open_row(0)) == mrn

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        """People with this name (case-insensitive) and DOB; one match is left open."""
        self.chart, dob = None, date.fromisoformat(date_of_birth)
        born = {"__class__": "date", "year": dob.year, "month": dob.month, "day": dob.day}
        rows = self.form.search(
            [["name", "ilike", first_name], ["lastname", "ilike", last_name], ["dob", "=", born]]
        )
        if len(rows) != 1:
            return rows  # Federation IDs: enough to count an ambiguous match
        return [self._opened(self.form.open_row(0))]

    def create_patient(
        self, demographics: Values, *, assigned: Callable[[str], None] | None = None
    ) -> str:
        """Stage a new person; ``save()`` stores it with the other sections."""
        self.chart = None
        self._opened(self.form.open_new(), "new-patient")
        self.write_demographics(demographics)
        return ""

    def save(self, *, assigned: Callable[[str], None] | None = None) -> str:
        """One save for every staged section; nothing staged, nothing sent (a no-op stays one).

        ``assigned`` hears a new person's PUID as soon as the save's answer holds it,
        before the chart is taken as open (``reports_assigned_ids``).
        """
        if self.chart is None:
            raise PortalUnavailable("no chart is open", page=self.browser.page)
        if not self.staged:
            return self._opened(self.chart)
        chart = self.form.save()
        if assigned is not None and chart["ref"]:
            assigned(chart["ref"])
        return self._opened(chart)

    def _chart(self, written: str | None = None) -> dict:
        """The open chart as read (read again if a section was written); ``written``: this
        section is about to be, so the next use reads it again."""
        if self.chart is None:
            raise PortalUnavailable("no chart is open", page=self.browser.page)
        if "fields" not in self.chart or "insurances" not in self.chart:
            self.chart = {**self.form.read(), "ref": self.chart["ref"]}
        chart = dict(self.chart)
        if written:
            self.chart.pop(written)
            self.staged = True
        return chart

    # --- sections ------------------------------------------------------------------------
    def read_demographics(self) -> Values:
        chart = self._chart()
        return {**self.form.demographics(chart), **ContactMechanisms.values(chart["contacts"])}

    def write_demographics(self, changes: Values) -> None:
        chart = self._chart(written="fields")
        self.form.write(changes, chart)
        rows = list(chart["contacts"] or [])
        for key in ("phone", "email"):
            if key in changes:
                self.contacts.write(rows, key, str(changes[key]))

    def read_coverages(self) -> dict[str, Values | None]:
        rows = Insurances.coverages(self._chart()["insurances"], self.settings)
        return {rank: rows[rank][1] if rank in rows else None for rank in ("primary", "secondary")}

    def _row(self, rank: str) -> tuple[int, str] | None:
        """The coverage's row index and member number, or ``None``."""
        rows = Insurances.coverages(self._chart(written="insurances")["insurances"], self.settings)
        return (rows[rank][0], str(rows[rank][1]["member_id"])) if rank in rows else None

    def write_coverage(self, rank: str, values: Values) -> None:
        row = self._row(rank)
        dialog = (
            self.insurances.edit_in_dialog(*row) if row else self.insurances.edit_in_dialog(None)
        )
        dialog.apply({**values, "rank": rank} if row is None else values, self.settings)

    def remove_coverage(self, rank: str) -> None:
        if (row := self._row(rank)) is not None:
            self.insurances.delete(row[0])

    # --- declared not stored: never called by the sync ----------------------------------------
    def read_guardians(self) -> list[GuardianRow]:
        return []

    def read_note_references(self) -> set[str]:
        return set()

    def _refuse(self, *_: object) -> None:
        raise PortalRejected("GNU Health stores no guardians or case notes (not_stored)")

    add_guardian = update_guardian = remove_guardian = add_note = _refuse

    def drift_screens(self, mrn: str | None):
        """The selector-drift check's read-only walk (``drift``)."""
        from portal_pages.gnuhealth.drift import walk

        return walk(self, mrn)
