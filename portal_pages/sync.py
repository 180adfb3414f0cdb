"""The one upsert: find or create the chart, then bring each section to the bundle.

Portal-independent: it speaks the ``Portal`` protocol and the pure plans of
``portal_pages.diff``. Every step is idempotent (read, diff, write the
difference), so a retryable failure inside a step is retried from a recovered
browser, within the job. A permanent failure (the portal rejects a value)
stops the job at once, so nothing else is saved after it. A dry run reads and
plans exactly as a real run does and writes nothing.

What the adapter declares (``portal_pages.adapters``) shapes the job: a
section it cannot hold is neither read nor written, a field it cannot hold is
never a difference, and both are named in ``UpsertResult.not_stored``. A
``saves_once`` adapter stages every section on the open chart and stores them
with one ``save()``; that whole batch is then one step, retried as one.

A new chart's EMR id is handed to ``on_created`` the moment the EMR has assigned
it (inside ``create_patient`` / ``save`` for an adapter that ``reports_assigned_ids``),
and from then on the chart is reopened by that id, never searched for by name
+ DOB: a failure after the EMR's save must not lead to a second chart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from selenium.common.exceptions import WebDriverException

from portal_pages import adapters, diff
from portal_pages import changes as field_changes
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
        before_adopt: Callable[[str], None] | None = None,
    ) -> None:
        self.portal, self.bundle, self.dry_run = portal, bundle, dry_run
        self.on_created = on_created
        self.before_adopt = before_adopt
        self.mrn: str | None = None
        self.changed: dict[str, None] = {}  # ordered set, merged across retried attempts
        self.values: dict[str, field_changes.FieldChange] = {}  # for the audit trail only
        self.not_stored = adapters.not_stored(portal)
        self.saves_once = adapters.saves_once(portal)
        self.reports_ids = adapters.reports_assigned_ids(portal)
        self.told: str | None = None  # the EMR id last handed to on_created
        self.batch: list[Callable[[], None]] = []  # saves_once: sections staged, saved at finish
        self.unsaved_create = False  # saves_once: the new chart exists only in the browser
        self.create_attempts = 0

    def step(self, name: str, fn: Callable[[], T], *, navigates: bool = False) -> T:
        """Run one idempotent step with retries; ``navigates``: it loads its own page."""

        def recover() -> None:
            if not navigates:
                _translated("recover", lambda: self.portal.recover(self.mrn))()

        with timed_step(log, name, dry_run=self.dry_run):
            return run_step(name, _translated(name, fn), recover=recover)

    def note(self, names: list[str], values: list[field_changes.FieldChange] = ()) -> None:
        self.changed.update(dict.fromkeys(names))
        if not self.dry_run:
            self.values.update((c.name, c) for c in values)

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
        self._adopt(hits[0])  # the adapter left the one match open
        return True

    def _adopt(self, mrn: str) -> None:
        """A chart found by name + DOB: the caller may refuse it (another record's chart)."""
        if self.before_adopt is not None:
            self.before_adopt(mrn)
        self.mrn = mrn

    def _search(self) -> list[str]:
        p = self.bundle.patient
        return self.portal.search(p.last_name, p.first_name, p.date_of_birth.isoformat())

    def _creation_values(self) -> diff.Values:
        desired = diff.demographics_values(self.bundle.patient)
        return diff.non_empty(diff.stored("demographics", desired, self.not_stored))

    def _create_once(self) -> str:
        """A retry reopens the chart the EMR already made, by the id it assigned; without
        one it first searches, so a lost answer cannot create a twin."""
        self.create_attempts += 1
        if self.create_attempts > 1 and self.mrn:  # assigned by an earlier attempt
            if not self.portal.open_chart(self.mrn):
                raise ChartNotFound("the portal does not know the new chart's EMR id")
            self.unsaved_create = False
            return self.mrn
        if self.create_attempts > 1:
            hits = self._search()
            if len(hits) > 1:
                raise AmbiguousMatch("charts match the patient's name and date of birth")
            if hits:
                self._adopt(hits[0])  # the adapter left the one match open
                self.unsaved_create = False
                return hits[0]
        values = self._creation_values()
        if self.reports_ids:
            mrn = self.portal.create_patient(values, assigned=self._assigned)
        else:
            mrn = self.portal.create_patient(values)
        self.unsaved_create = not mrn  # a saves_once adapter stores it at finish()
        return mrn

    def create(self) -> None:
        """Create the chart (a ``saves_once`` adapter only stages it, ``finish`` saves it)."""
        values = self._creation_values()
        mrn = self.step("create_patient", self._create_once, navigates=True)
        if mrn:
            self._assigned(mrn)
        self.note([f"demographics.{k}" for k in values], field_changes.created(values))

    def _assigned(self, mrn: str) -> None:
        """The chart has its EMR id: work on it, and let the caller remember it at once.

        Before anything else can fail: a rerun must open this chart by its id, since
        the name or date of birth may change before it runs.
        """
        self.mrn = mrn
        if self.on_created is not None and self.told != mrn:
            self.on_created(mrn)
            self.told = mrn

    def section(self, name: str, run: Callable[[], None]) -> None:
        """Sync one section now, or stage it for ``finish`` (``saves_once``); skip one not held."""
        if name in self.not_stored:
            return
        if self.saves_once:
            self.batch.append(run)
        else:
            self.step(name, run)

    def finish(self) -> None:
        """``saves_once``: every staged section and one save, as one step retried as one."""
        if not self.saves_once:
            return
        creating = self.unsaved_create
        attempts = [0]

        def write_all() -> str:
            attempts[0] += 1
            if creating and attempts[0] > 1:
                self._create_once()  # the staged chart is gone: search for a twin, else stage again
            for run in self.batch:
                run()
            if self.dry_run:
                return ""
            if creating and self.reports_ids:
                return self.portal.save(assigned=self._assigned)
            return self.portal.save()

        mrn = self.step("save", write_all, navigates=creating)
        if creating and mrn:
            self._assigned(mrn)

    # --- sections -------------------------------------------------------------------
    def demographics(self) -> None:
        def run() -> None:
            current = self.portal.read_demographics()
            desired = diff.demographics_values(self.bundle.patient)
            changes = diff.field_changes(
                current, diff.stored("demographics", desired, self.not_stored)
            )
            self.note(
                [f"demographics.{k}" for k in changes],
                field_changes.demographics(current, changes),
            )
            if changes and not self.dry_run:
                self.portal.write_demographics(changes)

        self.section("demographics", run)

    def guardians(self) -> None:
        def run() -> None:
            current = self.portal.read_guardians()
            plan = diff.plan_guardians(current, self.bundle.guardians, self.not_stored)
            self.note(plan.changed_fields(), field_changes.guardians(current, plan))
            if self.dry_run:
                return
            for row_id in plan.removes:
                self.portal.remove_guardian(row_id)
            for _, row_id, changes in plan.updates:
                self.portal.update_guardian(row_id, changes)
            for _, values in plan.adds:
                self.portal.add_guardian(values)

        self.section("guardians", run)

    def insurance(self) -> None:
        def run() -> None:
            current = self.portal.read_coverages()
            plan = diff.plan_coverages(current, self.bundle.insurance, self.not_stored)
            self.note(plan.changed_fields(), field_changes.coverages(current, plan))
            if self.dry_run:
                return
            for rank in plan.removes:
                self.portal.remove_coverage(rank)
            for rank, values in plan.writes.items():
                self.portal.write_coverage(rank, values)

        self.section("insurance", run)

    def notes(self) -> None:
        def run() -> None:
            additions = diff.plan_notes(self.portal.read_note_references(), self.bundle.notes)
            self.note(diff.notes_changed_fields(additions), field_changes.notes(additions))
            if self.dry_run:
                return
            for _, values in additions:
                self.portal.add_note(values)

        self.section("notes", run)


def upsert(
    portal: Portal,
    bundle: PatientBundle,
    *,
    emr_patient_id: str | None,
    dry_run: bool,
    on_created: Callable[[str], None] | None = None,
    before_adopt: Callable[[str], None] | None = None,
) -> UpsertResult:
    """Bring the portal's chart to ``bundle``; see the module docstring for the rules.

    ``on_created(mrn)`` is called as soon as the EMR has assigned a new chart its id,
    before its sections are filled (with ``reports_assigned_ids``, before the rest of
    the create itself), so that the caller can remember the EMR id of a half-written
    chart and pass it back as ``emr_patient_id`` on a rerun.
    ``before_adopt(mrn)`` is called before a chart found by name + DOB is used; it
    raises (``DuplicatePatient``) when that chart belongs to another record.
    """
    job = Upsert(portal, bundle, dry_run=dry_run, on_created=on_created, before_adopt=before_adopt)
    created = False
    if not job.find(emr_patient_id or bundle.emr_patient_id):
        created = True
        if dry_run:
            changed = diff.creation_changed_fields(bundle, job.not_stored)
            return UpsertResult(None, True, changed, not_stored=_not_stored(job))
        job.create()
    job.demographics()
    job.guardians()
    job.insurance()
    job.notes()
    job.finish()
    return UpsertResult(
        job.mrn,
        created,
        list(job.changed),
        tuple(job.values.values()),
        not_stored=_not_stored(job),
    )


def _not_stored(job: Upsert) -> list[str]:
    return diff.not_stored_names(job.bundle, job.not_stored)
