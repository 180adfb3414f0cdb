"""Each written field with its value before and after, for the audit only (never in a repr)."""

from __future__ import annotations

from portal_pages import changes
from portal_pages.diff import CoveragePlan, GuardianPlan, GuardianRow


def _names(items):
    return [(c.section, c.field, c.old, c.new) for c in items]


def test_demographics_and_creation():
    got = changes.demographics({"phone": "(555) 000-0000", "sex": "male"}, {"phone": "(555) 1"})
    assert _names(got) == [("demographics", "phone", "(555) 000-0000", "(555) 1")]
    assert _names(changes.created({"consent": True})) == [("demographics", "consent", None, "true")]


def test_guardians_update_add_and_remove():
    rows = [
        GuardianRow("g1", {"first_name": "Ann", "phone": "1"}),
        GuardianRow("g9", {"first_name": "Old", "phone": "9"}),
    ]
    plan = GuardianPlan(
        removes=["g9"], updates=[(0, "g1", {"phone": "2"})], adds=[(1, {"first_name": "Bo"})]
    )
    assert _names(changes.guardians(rows, plan)) == [
        ("guardians", "0.phone", "1", "2"),
        ("guardians", "1.first_name", None, "Bo"),
        ("guardians", "removed0.first_name", "Old", None),
        ("guardians", "removed0.phone", "9", None),
    ]


def test_coverages_and_notes():
    current = {"primary": {"member_id": "A1", "payer": "X"}, "secondary": {"member_id": "B"}}
    plan = CoveragePlan(writes={"primary": {"member_id": "A2"}}, removes=["secondary"])
    assert _names(changes.coverages(current, plan)) == [
        ("insurance", "primary.member_id", "A1", "A2"),
        ("insurance", "secondary.member_id", "B", None),
    ]
    added = CoveragePlan(writes={"secondary": {"payer": "Y"}}, added={"secondary"})
    assert _names(changes.coverages(current, added)) == [
        ("insurance", "secondary.payer", None, "Y")
    ]
    assert _names(changes.notes([(2, {"text": "hello"})])) == [("notes", "2.text", None, "hello")]


def test_values_stay_out_of_reprs():
    change = changes.FieldChange("demographics.last_name", "Quill", "Quillfeatherz")
    assert "Quill" not in repr(change) and "Quill" not in repr([change])
