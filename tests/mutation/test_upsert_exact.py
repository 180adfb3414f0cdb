"""Exact behaviour of the upsert (``portal_pages/sync.py``): matching, sections, retries.

Find-or-create decides whether a patient gets a twin chart or someone else's,
so it is in the mutation check; these tests pin what it does on an in-memory EMR
(``tests/mutation/memory_emr.py``): which chart is opened, searched, adopted or
created, what each section writes, what a dry run leaves alone, what a retried
step recovers, and what a failure says. The browser tests run the same upsert
in Chromium against the sandbox portal.
"""

from __future__ import annotations

import copy
import functools

import pytest
from selenium.common.exceptions import WebDriverException

from portal_pages import diff, sync
from syncapp.errors import AmbiguousMatch, ChartNotFound, PortalRejected, PortalUnavailable
from tests.mutation.memory_emr import MemoryEmr, TellingEmr
from tests.portal_pages.conftest import full_bundle


@pytest.fixture(autouse=True)
def _no_wait_between_attempts(monkeypatch):
    """The same retries, attempts and recovers, without the jittered pause between them."""
    monkeypatch.setattr(sync, "run_step", functools.partial(sync.run_step, max_wait=0))


SEARCH = ("search", "Okafor-Lindqvist", "Amara", "2008-06-30")


def _down(step: str | None = None) -> PortalUnavailable:
    return PortalUnavailable("portal answered 503", step=step)


def stored_chart(bundle) -> dict:
    """What a chart holding exactly ``bundle`` contains in the memory EMR (row ids aside)."""
    return {
        "demographics": diff.non_empty(diff.demographics_values(bundle.patient)),
        "guardians": [diff.non_empty(diff.guardian_values(g)) for g in bundle.guardians],
        "coverages": {c.rank: diff.non_empty(diff.coverage_values(c)) for c in bundle.insurance},
        "notes": [diff.note_values(n) for n in bundle.notes],
    }


def chart(emr: MemoryEmr, mrn: str) -> dict:
    c = emr.charts[mrn]
    return {
        "demographics": c["demographics"],
        "guardians": list(c["guardians"].values()),
        "coverages": c["coverages"],
        "notes": c["notes"],
    }


def writes(emr: MemoryEmr) -> list[str]:
    return [
        n for n in emr.names() if n.startswith(("write_", "add_", "update_", "remove_", "save"))
    ]


def created(emr: MemoryEmr, **kwargs):
    bundle = full_bundle()
    result = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False, **kwargs)
    emr.calls.clear()
    return bundle, result


CREATED_FIELDS = [
    "demographics.first_name",
    "demographics.middle_name",
    "demographics.last_name",
    "demographics.date_of_birth",
    "demographics.sex",
    "demographics.phone",
    "demographics.email",
    "demographics.street",
    "demographics.city",
    "demographics.state",
    "demographics.postal_code",
    "guardians.0.added",
    "guardians.1.added",
    "insurance.primary.added",
    "insurance.secondary.added",
    "notes.0.added",
    "notes.1.added",
]


# --- create, rerun, change ------------------------------------------------------------
@pytest.mark.parametrize("saves_once", [False, True], ids=["saves-each", "saves-once"])
def test_a_new_patient_is_searched_then_created_field_exact(saves_once):
    emr, told = MemoryEmr(saves_once=saves_once), []
    bundle = full_bundle()
    result = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False, on_created=told.append)
    assert result.to_dict() == {
        "emr_patient_id": "M1",
        "created": True,
        "changed_fields": CREATED_FIELDS,
        "not_stored": [],
    }
    assert told == ["M1"]
    assert list(emr.charts) == ["M1"] and chart(emr, "M1") == stored_chart(bundle)
    assert emr.calls[0] == SEARCH
    assert emr.calls[1] == ("create_patient", stored_chart(bundle)["demographics"], False)
    names = [c.name for c in result.field_values]
    assert names[:11] == CREATED_FIELDS[:11]  # the audit trail: every field, with its value
    assert {c.section for c in result.field_values} == {
        "demographics",
        "guardians",
        "insurance",
        "notes",
    }
    assert emr.names().count("save") == (1 if saves_once else 0)


@pytest.mark.parametrize("saves_once", [False, True], ids=["saves-each", "saves-once"])
def test_a_rerun_by_emr_id_writes_nothing_and_reports_an_existing_chart(saves_once):
    emr = MemoryEmr(saves_once=saves_once)
    bundle, _ = created(emr)
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert result.created is False and result.emr_patient_id == "M1"
    assert result.changed_fields == [] and result.field_values == ()
    assert emr.calls[0] == ("open_chart", "M1") and "search" not in emr.names()
    assert writes(emr) == (["save"] if saves_once else [])
    assert emr.calls.count(("save", False)) == (1 if saves_once else 0)  # not a creation


def test_the_bundles_own_emr_id_is_used_when_the_caller_has_none():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    bundle.emr_patient_id = "M1"
    assert sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False).emr_patient_id == "M1"
    assert emr.calls[0] == ("open_chart", "M1")


def test_each_section_writes_only_what_differs():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    bundle.patient.phone = "(555) 000-1111"
    bundle.guardians[1].phone = "(555) 000-2222"
    bundle.insurance[0].member_id = "UHC1"
    del bundle.insurance[1]
    stored = emr.charts["M1"]
    stored["guardians"]["g9"] = {"first_name": "Old", "last_name": "Stepparent"}
    stored["notes"].pop()  # a note not yet in the EMR
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert result.changed_fields == [
        "demographics.phone",
        "guardians.1.phone",
        "guardians.removed",
        "insurance.primary.member_id",
        "insurance.secondary.removed",
        "notes.1.added",
    ]
    assert writes(emr) == [
        "write_demographics",
        "remove_guardian",
        "update_guardian",
        "remove_coverage",
        "write_coverage",
        "add_note",
    ]
    assert ("write_demographics", {"phone": "(555) 000-1111"}) in emr.calls
    assert ("update_guardian", "g2", {"phone": "(555) 000-2222"}) in emr.calls
    assert ("remove_guardian", "g9") in emr.calls
    assert ("write_coverage", "primary", {"member_id": "UHC1"}) in emr.calls
    assert ("remove_coverage", "secondary") in emr.calls
    assert ("add_note", diff.note_values(bundle.notes[1])) in emr.calls
    assert chart(emr, "M1") == stored_chart(bundle)
    olds = {c.name: (c.old, c.new) for c in result.field_values}
    assert olds["demographics.phone"] == ("(555) 448-2010", "(555) 000-1111")
    assert olds["guardians.1.phone"] == ("(555) 448-2012", "(555) 000-2222")


def test_a_new_guardian_is_added_beside_a_matched_one():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    del emr.charts["M1"]["guardians"]["g1"]
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert result.changed_fields == ["guardians.0.added"]
    assert writes(emr) == ["add_guardian"]
    assert chart(emr, "M1")["guardians"][1] == diff.non_empty(
        diff.guardian_values(bundle.guardians[0])
    )


# --- dry runs -----------------------------------------------------------------------
def test_a_dry_run_of_a_new_patient_searches_and_names_what_it_would_create():
    emr = MemoryEmr()
    result = sync.upsert(emr, full_bundle(), emr_patient_id=None, dry_run=True)
    assert result == sync.UpsertResult(None, True, CREATED_FIELDS, not_stored=[])
    assert result.to_dict()["created"] is True
    assert emr.names() == ["search"] and emr.charts == {}


@pytest.mark.parametrize("saves_once", [False, True], ids=["saves-each", "saves-once"])
def test_a_dry_run_of_a_changed_chart_names_every_change_and_writes_nothing(saves_once):
    emr = MemoryEmr(saves_once=saves_once)
    bundle, _ = created(emr)
    before = chart(emr, "M1")
    bundle.patient.address.city = "Evanston"
    bundle.guardians[0].email = "n@example.net"
    bundle.guardians.append(bundle.guardians.pop(0))  # order alone changes nothing
    bundle.insurance[1].payer = "Aetna"
    del emr.charts["M1"]["guardians"]["g2"]
    emr.charts["M1"]["guardians"]["g7"] = {"first_name": "Ex", "last_name": "Partner"}
    emr.charts["M1"]["notes"].clear()
    emr.charts["M1"]["coverages"].pop("primary")
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=True)
    assert result.changed_fields == [
        "demographics.city",
        "guardians.1.email",
        "guardians.0.added",
        "guardians.removed",
        "insurance.primary.added",
        "insurance.secondary.payer",
        "notes.0.added",
        "notes.1.added",
    ]
    assert writes(emr) == [] and result.created is False
    assert result.field_values == ()  # a dry run keeps no values for the audit trail
    assert chart(emr, "M1")["demographics"] == before["demographics"]


# --- matching by name and date of birth ------------------------------------------------
def test_one_match_is_adopted_once_the_caller_agrees():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    asked = []
    result = sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False, before_adopt=asked.append)
    assert asked == ["M1"]
    assert result.emr_patient_id == "M1" and result.created is False
    assert emr.names() == ["search", *[n for n in emr.names()[1:] if n.startswith("read_")]]


def test_a_refused_match_gets_no_write():
    emr = MemoryEmr()
    bundle, _ = created(emr)

    def refuse(mrn):
        raise PortalRejected(f"chart {mrn} belongs to another record", step="adopt")

    with pytest.raises(PortalRejected, match="chart M1 belongs"):
        sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False, before_adopt=refuse)
    assert emr.names() == ["search"]


@pytest.mark.parametrize("twins", [1, 2])
def test_two_or_more_matches_are_ambiguous_and_nothing_is_written(twins):
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.extra_hits = [f"X{i}" for i in range(twins)]
    with pytest.raises(AmbiguousMatch) as info:
        sync.upsert(emr, bundle, emr_patient_id=None, dry_run=False)
    assert info.value.message == f"{twins + 1} charts match the patient's name and date of birth"
    assert emr.names() == ["search"]


def test_an_unknown_emr_id_is_chart_not_found_and_nothing_is_searched_or_written():
    emr = MemoryEmr()
    with pytest.raises(ChartNotFound) as info:
        sync.upsert(emr, full_bundle(), emr_patient_id="M404", dry_run=False)
    assert (info.value.message, info.value.step) == (
        "the portal does not know this EMR patient id",
        "open_chart",
    )
    assert emr.calls == [("open_chart", "M404")]


# --- retries -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "emr_id"), [("open_chart", "M1"), ("search", None)], ids=["open", "search"]
)
def test_a_step_that_loads_its_own_page_is_retried_without_a_recover(method, emr_id):
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail[method] = [_down()]
    result = sync.upsert(emr, bundle, emr_patient_id=emr_id, dry_run=False)
    assert result.emr_patient_id == "M1"
    assert emr.names().count(method) == 2 and "recover" not in emr.names()


def test_a_section_step_is_retried_after_recovering_on_the_chart():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    bundle.patient.email = "new@example.net"
    emr.fail["write_demographics"] = [_down()]
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert result.changed_fields == ["demographics.email"]
    assert ("recover", "M1") in emr.calls
    assert emr.names().count("write_demographics") == 2
    assert emr.charts["M1"]["demographics"]["email"] == "new@example.net"


@pytest.mark.parametrize(
    ("method", "emr_id", "step"),
    [
        ("open_chart", "M1", "open_chart"),
        ("search", None, "search"),
        ("read_demographics", "M1", "demographics"),
        ("read_guardians", "M1", "guardians"),
        ("read_note_references", "M1", "notes"),
    ],
)
def test_a_step_out_of_attempts_fails_with_its_name(method, emr_id, step):
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail[method] = [_down() for _ in range(9)]
    with pytest.raises(PortalUnavailable) as info:
        sync.upsert(emr, bundle, emr_patient_id=emr_id, dry_run=False)
    assert info.value.step == step
    assert emr.names().count(method) == 5


def test_a_create_that_failed_before_the_emr_made_it_searches_then_creates_once():
    emr, told = MemoryEmr(), []
    emr.fail["create_patient"] = [_down()]
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, on_created=told.append
    )
    assert result.to_dict()["changed_fields"] == CREATED_FIELDS
    assert (result.emr_patient_id, result.created, told) == ("M1", True, ["M1"])
    assert emr.names()[:4] == ["search", "create_patient", "search", "create_patient"]
    assert "recover" not in emr.names() and list(emr.charts) == ["M1"]


def test_a_create_whose_answer_was_lost_adopts_the_chart_the_emr_made():
    emr, asked = MemoryEmr(), []
    emr.lost["create_patient"] = [_down()]
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, before_adopt=asked.append
    )
    assert (result.emr_patient_id, result.created, asked) == ("M1", True, ["M1"])
    assert list(emr.charts) == ["M1"] and emr.names().count("create_patient") == 1


def test_a_lost_create_that_now_matches_twice_is_ambiguous():
    emr = MemoryEmr()
    original = emr.create_patient

    def create_then_lose_the_answer(values, *, assigned=None):
        original(values, assigned=assigned)
        emr.extra_hits.append("X1")  # a colleague entered the same patient meanwhile
        raise _down()

    emr.create_patient = create_then_lose_the_answer  # type: ignore[method-assign]
    with pytest.raises(AmbiguousMatch) as info:
        sync.upsert(emr, full_bundle(), emr_patient_id=None, dry_run=False)
    assert info.value.message == "charts match the patient's name and date of birth"
    assert writes(emr) == []


@pytest.mark.parametrize("saves_once", [False, True], ids=["creates-at-once", "saves-once"])
def test_an_id_told_before_a_lost_answer_reopens_that_chart(saves_once):
    emr, told = TellingEmr(saves_once=saves_once), []
    emr.lost["save" if saves_once else "create_patient"] = [_down()]
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, on_created=told.append
    )
    assert (result.emr_patient_id, result.created, told) == ("M1", True, ["M1"])
    assert list(emr.charts) == ["M1"] and chart(emr, "M1") == stored_chart(full_bundle())
    assert emr.names().count("search") == 1 and ("open_chart", "M1") in emr.calls
    assert emr.calls[1][0] == "create_patient" and emr.calls[1][2] is True  # told at create
    if saves_once:
        assert emr.calls.count(("save", True)) == 2  # the retried creation saves as one


def test_a_saves_once_id_told_at_create_is_reopened_and_then_saved_as_an_existing_chart():
    emr, told = TellingEmr(saves_once=True), []
    original = emr.create_patient

    def create(values, *, assigned=None):
        original(values, assigned=assigned)
        emr.open["mrn"] = "M1"
        emr.charts["M1"] = dict(emr.open)
        assigned("M1")
        if len(told) == 1 and emr.names().count("create_patient") == 1:
            raise _down()
        return "M1"

    emr.create_patient = create  # type: ignore[method-assign]
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, on_created=told.append
    )
    assert (result.emr_patient_id, told) == ("M1", ["M1"])
    assert ("open_chart", "M1") in emr.calls
    assert emr.calls[-1] == ("save", False)  # reopened: not saved as a creation


def test_a_reopened_chart_the_emr_no_longer_knows_is_chart_not_found():
    emr = TellingEmr()
    emr.lost["create_patient"] = [_down()]
    original = emr.open_chart

    def forgotten(mrn):
        emr.charts.pop(mrn, None)
        return original(mrn)

    emr.open_chart = forgotten  # type: ignore[method-assign]
    with pytest.raises(ChartNotFound) as info:
        sync.upsert(emr, full_bundle(), emr_patient_id=None, dry_run=False)
    assert (info.value.message, info.value.step) == (
        "the portal does not know the new chart's EMR id",
        "create_patient",
    )


def test_a_saves_once_create_lost_at_save_without_an_id_searches_and_stages_again():
    emr = MemoryEmr(saves_once=True)
    emr.fail["save"] = [_down()]
    result = sync.upsert(emr, full_bundle(), emr_patient_id=None, dry_run=False)
    assert (result.emr_patient_id, result.created) == ("M1", True)
    assert emr.names().count("search") == 2 and emr.names().count("create_patient") == 2
    assert "recover" not in emr.names()  # the creating save loads its own page
    assert emr.calls.count(("save", False)) == 2 and list(emr.charts) == ["M1"]


def test_a_saves_once_update_retries_its_save_after_recovering():
    emr = MemoryEmr(saves_once=True)
    bundle, _ = created(emr)
    bundle.patient.sex = "male"
    emr.fail["save"] = [_down()]
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert result.changed_fields == ["demographics.sex"]
    assert ("recover", "M1") in emr.calls and emr.names().count("save") == 2
    assert emr.charts["M1"]["demographics"]["sex"] == "male"


# --- browser errors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "kind", "text"),
    [
        ("invalid session id", sync.BrowserDied, "the browser died"),
        ("element click intercepted", PortalUnavailable, "browser error (WebDriverException)"),
    ],
)
def test_a_selenium_error_becomes_a_typed_retryable_error_with_its_step(message, kind, text):
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail["read_coverages"] = [WebDriverException(message) for _ in range(9)]
    with pytest.raises(kind) as info:
        sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert type(info.value) is kind
    assert (info.value.message, info.value.step, info.value.retryable) == (text, "insurance", True)
    assert isinstance(info.value.__cause__, WebDriverException)


def test_a_typed_error_keeps_the_step_it_already_names():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail["read_note_references"] = [PortalRejected("refused", step="notes_tab")]
    with pytest.raises(PortalRejected) as info:
        sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert info.value.step == "notes_tab" and emr.names().count("read_note_references") == 1


def test_a_recover_that_fails_in_the_browser_names_the_recover_step():
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail["read_guardians"] = [_down()]
    emr.fail["recover"] = [WebDriverException("no such window") for _ in range(9)]
    with pytest.raises(PortalUnavailable) as info:
        sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert info.value.step == "recover"


def test_a_saves_once_save_out_of_attempts_fails_as_the_save_step():
    emr = MemoryEmr(saves_once=True)
    bundle, _ = created(emr)
    emr.fail["save"] = [_down() for _ in range(9)]
    with pytest.raises(PortalUnavailable) as info:
        sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert info.value.step == "save" and emr.names().count("save") == 5


def test_saving_an_existing_chart_does_not_report_it_as_created():
    emr, told = TellingEmr(saves_once=True), []
    bundle, _ = created(emr)
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False, on_created=told.append)
    assert told == [] and result.created is False
    assert emr.calls[-1] == ("save", False)


def test_a_chart_made_by_someone_else_during_a_retried_create_is_adopted_and_saved_as_it_is():
    emr = MemoryEmr(saves_once=True)
    other = MemoryEmr(saves_once=True)
    sync.upsert(other, full_bundle(), emr_patient_id=None, dry_run=False)
    original = emr.create_patient

    def create(values, *, assigned=None):
        if not emr.charts:  # the first try fails while a colleague creates the same patient
            emr.charts.update(copy.deepcopy(other.charts))
            raise _down()
        return original(values, assigned=assigned)

    emr.create_patient = create  # type: ignore[method-assign]
    emr.fail["save"] = [_down()]
    asked = []
    result = sync.upsert(
        emr, full_bundle(), emr_patient_id=None, dry_run=False, before_adopt=asked.append
    )
    assert (result.emr_patient_id, asked, list(emr.charts)) == ("M1", ["M1"], ["M1"])
    assert emr.names().count("search") == 2  # no third: the failed save is not a creation
    assert emr.calls[-1] == ("save", False)  # adopted, not created: saved as an existing chart
    assert ("recover", "M1") in emr.calls  # and its save retried on the open chart


def test_each_step_is_timed_by_name_with_its_dry_run_flag(caplog):
    emr = MemoryEmr()
    bundle, _ = created(emr)
    emr.fail["read_coverages"] = [_down()]
    caplog.set_level("INFO")
    caplog.clear()  # only this upsert's lines (another test may have left the level at INFO)
    sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=True)
    done = [(r.step, r.dry_run) for r in caplog.records if r.getMessage() == "step done"]
    assert done == [
        ("open_chart", True),
        ("demographics", True),
        ("guardians", True),
        ("insurance", True),
        ("notes", True),
    ]
    retried = [r.step for r in caplog.records if r.getMessage() == "retrying step"]
    assert retried == ["insurance"]


class PartialEmr(MemoryEmr):
    """Holds no notes, no guardian email, no middle name, no group number."""

    not_stored = frozenset(
        {"notes", "demographics.middle_name", "guardians.email", "insurance.group_number"}
    )


NOT_STORED = ["demographics.middle_name", "guardians.email", "insurance.group_number", "notes"]


@pytest.mark.parametrize("dry_run", [False, True], ids=["sync", "dry-run"])
def test_what_the_emr_cannot_hold_is_never_read_written_or_a_difference(dry_run):
    emr = PartialEmr()
    result = sync.upsert(emr, full_bundle(), emr_patient_id=None, dry_run=dry_run)
    assert result.not_stored == NOT_STORED
    assert not [n for n in result.changed_fields if n.startswith("notes") or "middle" in n]
    assert "read_note_references" not in emr.names() and "add_note" not in emr.names()
    if dry_run:
        return
    stored = emr.charts["M1"]
    assert "middle_name" not in stored["demographics"]
    assert "middle_name" not in emr.calls[1][1]  # not even in the create
    assert all("email" not in g for g in stored["guardians"].values())
    assert all("group_number" not in c for c in stored["coverages"].values())
    emr.calls.clear()
    again = sync.upsert(emr, full_bundle(), emr_patient_id="M1", dry_run=False)
    assert again.changed_fields == [] and writes(emr) == []
    assert again.not_stored == NOT_STORED


def test_a_section_the_emr_cannot_hold_is_skipped_by_its_own_name():
    class NoDemographics(MemoryEmr):
        not_stored = frozenset({"demographics"})

    emr = NoDemographics()
    bundle, _ = created(emr)
    bundle.patient.phone = "(555) 000-3333"
    result = sync.upsert(emr, bundle, emr_patient_id="M1", dry_run=False)
    assert "read_demographics" not in emr.names() and result.changed_fields == []
