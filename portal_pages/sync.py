"""The one upsert: find or create the chart, then bring each section to the bundle.

Portal-independent: it speaks the ``Portal`` protocol and the pure plans of
``portal_pages.diff``. Every step is idempotent (read, diff, write the
difference), so a retryable failure inside a step is retried from a recovered
browser, within the job. A permanent failure (the portal rejects a value)
stops the job at once, so nothing else is saved after it. A dry run reads and
plans exactly as a real run does and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from selenium.common.exceptions import WebDriverException

from portal_pages import diff
from portal_pages.adapters import Portal
from portal_pages.core.browser import is_dead
from portal_pages.core.retry import run_step
from portal_pages.result import UpsertResult
from syncapp.bundle import PatientBundle
from syncapp.errors import AmbiguousMatch, ChartNotFound, PortalUnavailable, SyncError
from syncapp.logs import timed_step

log = logging.getLogger(__name__)
T = TypeVar("T")


class BrowserDied(PortalUnavailable):
    """The browser or its driver is gone: retrying in it is pointless, recycle it."""


def _translated(step: str, fn: Callable[[], T]) -> Callable[[], T]:
    """Selenium errors that escaped the page objects become ``PortalUnavailable``."""

    def run() -> T:
        try:
            return fn()
        except SyncError as exc:
            exc.step = exc.step or step
            raise
        except WebDriverException as exc:
            if is_dead(exc):
                raise BrowserDied("the browser died", step=step) from exc
            raise PortalUnavailable(f"browser error ({type(exc).__name__})", step=step) from exc

    return run


class Upsert:
    """One job's state: the chart being worked on and the names of what changed."""

    def __init__(
        self,
        portal: Portal,
        bundle: PatientBundle,
        *,
        dry_run: bool,
        on_created: Callable[[str], None] | None = None,
    ) -> None:
        self.portal, self.bundle, self.dry_run = portal, bundle, dry_run
        self.on_created = on_created
        self.mrn: str | None = None
        self.changed: dict[str, None] = {}  # ordered set, merged across retried attempts

    def step(self, name: str, fn: Callable[[], T], *, navigates: bool = False) -> T:
        """Run one idempotent step with retries; ``navigates``: it loads its own page."""

        def recover() -> None:
            if not navigates:
                _translated("recover", lambda: self.portal.recover(self.mrn))()

        with timed_step(log, name, dry_run=self.dry_run):
            return run_step(name, _translated(name, fn), recover=recover)

    def note(self, names: list[str]) -> None:
        self.changed.update(dict.fromkeys(names))

    # --- finding the chart ------------------------------------------------------
    def find(self, emr_patient_id: str | None) -> bool:
        """Open the chart; ``False`` when none exists (search by last + first name + DOB)."""
        if emr_patient_id:
            self.mrn = emr_patient_id
            if not self.step(
                "open_chart", lambda: self.portal.open_chart(emr_patient_id), navigates=True
            ):
                raise ChartNotFound(
                    "the portal does not know this EMR patient id", step="open_chart"
                )
            return True
        hits = self.step("search", self._search, navigates=True)
        if len(hits) > 1:
            raise AmbiguousMatch(f"{len(hits)} charts match the patient's name and date of birth")
        if not hits:
            return False
        self.mrn = hits[0]
        self.step("open_chart", lambda: self.portal.open_chart(hits[0]), navigates=True)
        return True

    def _search(self) -> list[str]:
        p = self.bundle.patient
        return self.portal.search(p.last_name, p.first_name, p.date_of_birth.isoformat())

    def create(self) -> None:
        """Create the chart; a retry first searches, so a lost answer cannot create a twin."""
        values = diff.non_empty(diff.demographics_values(self.bundle.patient))
        attempts = [0]

        def create_once() -> str:
            attempts[0] += 1
            if attempts[0] > 1:
                hits = self._search()
                if len(hits) > 1:
                    raise AmbiguousMatch("charts match the patient's name and date of birth")
                if hits:
                    self.portal.open_chart(hits[0])
                    return hits[0]
            return self.portal.create_patient(values)

        self.mrn = self.step("create_patient", create_once, navigates=True)
        if self.on_created is not None:
            # Before anything else can fail: a rerun must find this chart by its id
            # even if the name or date of birth changes in the meantime.
            self.on_created(self.mrn)
        self.note([f"demographics.{k}" for k in values])

    # --- sections -------------------------------------------------------------------
    def demographics(self) -> None:
        def run() -> None:
            changes = diff.field_changes(
                self.portal.read_demographics(), diff.demographics_values(self.bundle.patient)
            )
            self.note([f"demographics.{k}" for k in changes])
            if changes and not self.dry_run:
                self.portal.write_demographics(changes)

        self.step("demographics", run)

    def guardians(self) -> None:
        def run() -> None:
            plan = diff.plan_guardians(self.portal.read_guardians(), self.bundle.guardians)
            self.note(plan.changed_fields())
            if self.dry_run:
                return
            for row_id in plan.removes:
                self.portal.remove_guardian(row_id)
            for _, row_id, changes in plan.updates:
                self.portal.update_guardian(row_id, changes)
            for _, values in plan.adds:
                self.portal.add_guardian(values)

        self.step("guardians", run)

    def insurance(self) -> None:
        def run() -> None:
            plan = diff.plan_coverages(self.portal.read_coverages(), self.bundle.insurance)
            self.note(plan.changed_fields())
            if self.dry_run:
                return
            for rank in plan.removes:
                self.portal.remove_coverage(rank)
            for rank, values in plan.writes.items():
                self.portal.write_coverage(rank, values)

        self.step("insurance", run)

    def notes(self) -> None:
        def run() -> None:
            additions = diff.plan_notes(self.portal.read_note_references(), self.bundle.notes)
            self.note(diff.notes_changed_fields(additions))
            if self.dry_run:
                return
            for _, values in additions:
                self.portal.add_note(values)

        self.step("notes", run)


def upsert(
    portal: Portal,
    bundle: PatientBundle,
    *,
    emr_patient_id: str | None,
    dry_run: bool,
    on_created: Callable[[str], None] | None = None,
) -> UpsertResult:
    """Bring the portal's chart to ``bundle``; see the module docstring for the rules.

    ``on_created(mrn)`` is called as soon as a new chart exists, before its sections
    are filled, so that the caller can remember the EMR id of a half-written chart.
    """
    job = Upsert(portal, bundle, dry_run=dry_run, on_created=on_created)
    created = False
    if not job.find(emr_patient_id or bundle.emr_patient_id):
        created = True
        if dry_run:
            return UpsertResult(None, True, diff.creation_changed_fields(bundle))
        job.create()
    job.demographics()
    job.guardians()
    job.insurance()
    job.notes()
    return UpsertResult(job.mrn, created, list(job.changed))
