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


# --- not_stored: what an adapter declares its EMR cannot hold --------------------------------


def test_stored_drops_only_the_declared_fields_of_that_section():
    values = {"email": "a@b.c", "phone": "1"}
    assert diff.stored("guardians", values, frozenset({"guardians.email"})) == {"phone": "1"}
    assert diff.stored("demographics", values, frozenset({"guardians.email"})) == values


def test_a_flag_unset_equals_a_flag_missing_or_empty():
    assert diff.field_changes({}, {"is_primary": False}) == {}
    assert diff.field_changes({"is_primary": ""}, {"is_primary": False}) == {}
    assert diff.field_changes({"is_primary": ""}, {"is_primary": True}) == {"is_primary": True}


def test_note_values_are_the_stored_shape_with_trimmed_text():
    note = full_bundle().notes[0]
    note.author, note.text = "  Dr. Helen O'Connor ", " Sports physical. \n"
    assert diff.note_values(note) == {
        "date": "2025-02-14",
        "author": "Dr. Helen O'Connor",
        "text": "Sports physical.",
        "reference": "a03000000000004AAA",
    }


def test_a_guardian_field_not_stored_is_neither_compared_nor_written():
    bundle = full_bundle()
    rows = _rows(bundle)[1:]  # the chart holds only the second guardian
    rows[0] = GuardianRow(rows[0].row_id, {**rows[0].values, "email": ""})
    plan = diff.plan_guardians(rows, bundle.guardians, frozenset({"guardians.email"}))
    assert plan.updates == [] and plan.removes == []
    assert [i for i, _ in plan.adds] == [0]
    assert "email" not in plan.adds[0][1] and plan.adds[0][1]["phone"] == "(555) 448-2011"
    # without the declaration the emptied email is a change
    assert diff.plan_guardians(rows, bundle.guardians).updates == [
        (1, rows[0].row_id, {"email": "bjorn.lindqvist@example.net"})
    ]


def test_an_added_guardian_before_a_matched_one_does_not_stop_the_matching():
    bundle = full_bundle()
    second = _rows(bundle)[1]
    plan = diff.plan_guardians(
        [GuardianRow(second.row_id, {**second.values, "phone": ""})], bundle.guardians
    )
    assert [i for i, _ in plan.adds] == [0]
    assert plan.updates == [(1, second.row_id, {"phone": "(555) 448-2012"})]
    assert plan.removes == []


def test_a_coverage_field_not_stored_is_neither_compared_nor_written():
    bundle = full_bundle()
    primary = diff.coverage_values(bundle.insurance[0])
    current = {"primary": {**primary, "group_number": "", "member_id": "OLD12345"}}
    plan = diff.plan_coverages(current, bundle.insurance, frozenset({"insurance.group_number"}))
    assert plan.writes["primary"] == {"member_id": "UHC99887766"}
    assert plan.added == {"secondary"} and "group_number" not in plan.writes["secondary"]
    assert plan.writes["secondary"]["member_id"] == "CIG55120"


def test_coverage_changes_are_named_across_ranks_in_order():
    bundle = full_bundle()
    secondary = diff.coverage_values(bundle.insurance[1])
    current = {
        "primary": diff.coverage_values(bundle.insurance[0]),
        "secondary": {**secondary, "payer": "Aetna", "member_id": "OLD1"},
    }
    plan = diff.plan_coverages(current, bundle.insurance[1:])
    assert plan.changed_fields() == [
        "insurance.primary.removed",
        "insurance.secondary.payer",
        "insurance.secondary.member_id",
    ]
    current["primary"] = {**current["primary"], "member_id": "OLD2"}
    plan = diff.plan_coverages(current, bundle.insurance)
    assert plan.changed_fields() == [
        "insurance.primary.member_id",
        "insurance.secondary.payer",
        "insurance.secondary.member_id",
    ]


def test_creation_leaves_out_what_is_not_stored():
    bundle = full_bundle()
    everything = diff.creation_changed_fields(bundle)
    assert "demographics.middle_name" in everything
    for declared, gone in [
        ("demographics.middle_name", ["demographics.middle_name"]),
        ("guardians", ["guardians.0.added", "guardians.1.added"]),
        ("insurance", ["insurance.primary.added", "insurance.secondary.added"]),
        ("notes", ["notes.0.added", "notes.1.added"]),
    ]:
        names = diff.creation_changed_fields(bundle, frozenset({declared}))
        assert names == [n for n in everything if n not in gone], declared


def test_not_stored_names_are_the_declared_names_the_bundle_has_data_for():
    bundle = full_bundle()
    declared = frozenset(
        {
            "notes",
            "insurance.group_number",
            "guardians",
            "demographics.middle_name",
            "guardians.is_primary",
            "allergies",
            "allergies.kind",
        }
    )
    assert diff.not_stored_names(bundle, declared) == [
        "demographics.middle_name",
        "guardians",
        "guardians.is_primary",
        "insurance.group_number",
        "notes",
    ]


def test_not_stored_names_leave_out_declared_names_without_data():
    bundle = full_bundle()
    bundle.patient.middle_name = None
    for g in bundle.guardians:
        g.is_primary = False
    bundle.notes = []
    for c in bundle.insurance:
        c.group_number = ""
    declared = frozenset(
        {
            "demographics.middle_name",
            "guardians.is_primary",
            "insurance.group_number",
            "notes",
            "demographics.first_name",
        }
    )
    assert diff.not_stored_names(bundle, declared) == ["demographics.first_name"]
    assert diff.not_stored_names(bundle, frozenset()) == []
