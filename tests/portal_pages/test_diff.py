"""The pure sync logic, without a browser: desired values, diffs, matching, plans."""

from __future__ import annotations

from datetime import date

from portal_pages import diff
from portal_pages.diff import GuardianRow
from tests.portal_pages.conftest import full_bundle


def _rows(bundle):
    return [
        GuardianRow(str(10 + i), diff.guardian_values(g)) for i, g in enumerate(bundle.guardians)
    ]


def test_demographics_values_are_flat_text_with_iso_dates():
    values = diff.demographics_values(full_bundle().patient)
    assert values["date_of_birth"] == "2008-06-30"
    assert values["state"] == "IL" and values["city"] == "Chicago"
    assert set(values) == set(diff.DEMOGRAPHIC_FIELDS)


def test_field_changes_treat_missing_and_empty_as_equal():
    assert diff.field_changes({"a": "", "b": "x"}, {"a": "", "b": "x", "c": ""}) == {}
    assert diff.field_changes({"a": "x "}, {"a": "x"}) == {}
    assert diff.field_changes({"a": "x"}, {"a": "y"}) == {"a": "y"}
    assert diff.field_changes({"p": False}, {"p": True}) == {"p": True}


def test_guardians_match_by_name_case_insensitively():
    bundle = full_bundle()
    rows = _rows(bundle)
    rows[0] = GuardianRow("10", {**rows[0].values, "first_name": "NGOZI"})
    plan = diff.plan_guardians(rows, bundle.guardians)
    assert plan.adds == [] and plan.removes == []
    assert plan.updates == [(0, "10", {"first_name": "Ngozi"})]  # the bundle's spelling wins
    assert plan.changed_fields() == ["guardians.0.first_name"]


def test_guardians_update_add_and_remove():
    bundle = full_bundle()
    rows = _rows(bundle)
    stranger = GuardianRow("99", {**rows[0].values, "first_name": "Old", "last_name": "Friend"})
    bundle.guardians[1].phone = "555-0000"
    removed = bundle.guardians.pop(0)
    plan = diff.plan_guardians([stranger, *rows[1:]], [*bundle.guardians, removed])
    assert plan.removes == ["99"]
    assert plan.updates == [(0, "11", {"phone": "555-0000"})]
    assert [i for i, _ in plan.adds] == [1]
    assert plan.adds[0][1]["is_primary"] is True
    assert plan.changed_fields() == ["guardians.0.phone", "guardians.1.added", "guardians.removed"]


def test_nothing_to_do_is_an_empty_plan():
    bundle = full_bundle()
    assert diff.plan_guardians(_rows(bundle), bundle.guardians).changed_fields() == []
    current = {c.rank: diff.coverage_values(c) for c in bundle.insurance}
    assert diff.plan_coverages(current, bundle.insurance).changed_fields() == []
    refs = [n.salesforce_id for n in bundle.notes]
    assert diff.plan_notes(refs, bundle.notes) == []


def test_coverages_by_rank():
    bundle = full_bundle()
    primary = diff.coverage_values(bundle.insurance[0])
    plan = diff.plan_coverages(
        {"primary": {**primary, "member_id": "OLD12345"}, "secondary": None},
        bundle.insurance[:1],
    )
    assert plan.writes == {"primary": {"member_id": "UHC99887766"}}
    assert plan.removes == []
    plan = diff.plan_coverages({"primary": None, "secondary": primary}, bundle.insurance[:1])
    assert plan.added == {"primary"} and plan.removes == ["secondary"]
    assert plan.changed_fields() == ["insurance.primary.added", "insurance.secondary.removed"]
    assert "group_number" in plan.writes["primary"]


def test_notes_are_append_only_and_dated_by_the_date_part():
    bundle = full_bundle()
    additions = diff.plan_notes(["a03000000000004AAA", "unrelated"], bundle.notes)
    assert [i for i, _ in additions] == [1]
    assert additions[0][1]["date"] == "2025-02-20"
    assert additions[0][1]["reference"] == "a03000000000005AAA"
    assert diff.notes_changed_fields(additions) == ["notes.1.added"]


def test_creation_names_every_section():
    bundle = full_bundle()
    bundle.patient.email = None
    names = diff.creation_changed_fields(bundle)
    assert "demographics.email" not in names and "demographics.date_of_birth" in names
    assert names[-5:] == [
        "guardians.1.added",
        "insurance.primary.added",
        "insurance.secondary.added",
        "notes.0.added",
        "notes.1.added",
    ]


def test_changed_fields_never_carry_values():
    bundle = full_bundle()
    bundle.patient.date_of_birth = date(2001, 2, 3)
    names = diff.creation_changed_fields(bundle)
    assert not any("2001" in n or "Okafor" in n for n in names)
