"""An adapter that ``reports_assigned_ids``: the new chart's id is told, then the create retried.

The EMR makes the chart and assigns its id, then the answer is lost (a retryable
failure inside ``create_patient`` or ``save``). The step's retry must reopen that
chart by the id it was told, never search and stage a second one; ``on_created``
hears the id once, before the failure. In-memory EMRs behind the ``Portal``
protocol (the protocol is ours), for both shapes: create-at-once and ``saves_once``.
"""

from __future__ import annotations

from portal_pages import sync
from syncapp.errors import PortalUnavailable
from tests.portal_pages.conftest import full_bundle
from tests.portal_pages.test_adapters import FakeEmr


def _lost_answer() -> PortalUnavailable:
    return PortalUnavailable("the answer to the save was lost", step="save")


class SavesOnce(FakeEmr):
    """``save()`` stores the staged chart, tells its id, then (the first time) fails."""

    reports_assigned_ids = True

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def create_patient(self, demographics, *, assigned=None):
        assert assigned is not None  # told only at save(): nothing to tell yet
        return super().create_patient(demographics)

    def save(self, *, assigned=None):
        mrn = super().save()
        if assigned is not None:
            assigned(mrn)
        if self.failures:
            self.failures -= 1
            raise _lost_answer()
        return mrn


class CreatesAtOnce(FakeEmr):
    """``create_patient`` stores the chart, tells its id, then (the first time) fails."""

    saves_once = False
    reports_assigned_ids = True

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def create_patient(self, demographics, *, assigned=None):
        self._call("create_patient")
        mrn = f"F{len(self.charts) + 1}"
        self.open = self.charts[mrn] = {"mrn": mrn, "demographics": {}, "coverages": {}}
        assigned(mrn)
        if self.failures:
            self.failures -= 1
            raise _lost_answer()
        return mrn


def test_a_save_that_fails_after_the_id_was_told_is_retried_on_that_chart():
    emr, told = SavesOnce(), []
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, on_created=told.append
    )
    assert list(emr.charts) == ["F1"], "a second chart"
    assert result.emr_patient_id == "F1" and result.created
    assert told == ["F1"]
    assert emr.calls.count("create_patient") == 1
    assert emr.calls.count("search") == 1  # the first look only: the retry did not search
    assert emr.calls.count("open_chart") == 1  # the retry reopened it by id


def test_a_create_that_fails_after_the_id_was_told_is_retried_on_that_chart():
    emr, told = CreatesAtOnce(), []
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, on_created=told.append
    )
    assert list(emr.charts) == ["F1"], "a second chart"
    assert result.emr_patient_id == "F1" and result.created
    assert told == ["F1"]
    assert emr.calls.count("create_patient") == 1
    assert emr.calls.count("search") == 1  # the first look only: the retry did not search
    assert emr.calls.count("open_chart") == 1
