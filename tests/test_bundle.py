"""The canonical bundle accepts real names and rejects bad data without echoing it."""

import pytest

from syncapp.bundle import validate_bundle
from syncapp.errors import InvalidBundle, PermanentError


def _bundle(**patient):
    base = {
        "first_name": "Zoë",
        "last_name": "O'Brien-Núñez",
        "date_of_birth": "2015-02-03",
        "sex": "female",
    }
    return {"salesforce_id": "a00000000000001AAA", "patient": {**base, **patient}}


def test_accents_apostrophes_and_hyphens_are_valid_names():
    b = validate_bundle(_bundle(middle_name="Anne-Marie"))
    assert b.patient.last_name == "O'Brien-Núñez"


@pytest.mark.parametrize(
    "patient, field",
    [
        ({"date_of_birth": "2999-01-01"}, "patient.date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "patient.date_of_birth"),
        ({"email": "canary-not-an-email"}, "patient.email"),
        ({"address": {"state": "Q" * 61}}, "patient.address.state"),
    ],
)
def test_invalid_values_are_permanent_and_named_without_values(patient, field):
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(_bundle(**patient))
    assert isinstance(info.value, PermanentError)
    assert field in info.value.fields
    text = str(info.value)
    for value in ("2999-01-01", "1850-01-01", "canary-not-an-email", "Q" * 61, "Zoë"):
        assert value not in text


def test_member_id_is_required_but_its_format_is_the_emr_adapters_rule():
    data = _bundle()
    data["insurance"] = [{"rank": "primary", "payer": "Any insurer", "member_id": "CANARY-99!"}]
    assert validate_bundle(data).insurance[0].member_id == "CANARY-99!"  # demo_emr refuses it
    data["insurance"][0]["member_id"] = ""
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(data)
    assert "insurance.0.member_id" in info.value.fields


def _member_id_rule(bundle):
    """An adapter-style rule that reads the bundle as a valid one would be read."""
    return [
        (f"insurance.{i}.member_id", "must be letters and digits")
        for i, c in enumerate(bundle.insurance)
        if not c.member_id.isalnum()
    ]


def _with_coverage(member_id, **patient):
    data = _bundle(**patient)
    data["insurance"] = [{"rank": "primary", "payer": "Any insurer", "member_id": member_id}]
    return data


def test_adapter_rules_are_named_with_the_core_rules_in_one_reason():
    """Staff fix the record once: a core refusal must not hide the EMR's own refusals."""
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(
            _with_coverage("CANARY-99!", date_of_birth="2999-01-01"), rules=_member_id_rule
        )
    assert info.value.fields == ["patient.date_of_birth", "insurance.0.member_id"]
    assert "CANARY-99!" not in str(info.value) and "2999" not in str(info.value)


def test_adapter_rules_alone_refuse_a_bundle_the_core_accepts():
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(_with_coverage("CANARY-99!"), rules=_member_id_rule)
    assert info.value.fields == ["insurance.0.member_id"]
    assert validate_bundle(_with_coverage("AET7654321"), rules=_member_id_rule)


def test_rules_that_cannot_read_the_partial_bundle_leave_the_core_reasons():
    data = _with_coverage("CANARY-99!", date_of_birth="2999-01-01")
    data["insurance"] = "not a list"  # the rule's loop fails on the partial bundle
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(data, rules=_member_id_rule)
    assert info.value.fields == ["patient.date_of_birth", "insurance"]


def test_the_demo_emr_rules_run_on_a_bundle_the_core_refuses():
    from portal_pages.demo_emr.portal import DemoEmrPortal

    data = _with_coverage("CANARY-99!", date_of_birth="2999-01-01")
    data["patient"]["address"] = {"state": "Atlantis", "postal_code": "12345"}
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(data, rules=DemoEmrPortal.bundle_problems)
    assert set(info.value.fields) == {
        "patient.date_of_birth",
        "patient.address.state",
        "insurance.0.payer",
        "insurance.0.member_id",
    }


def test_a_list_refused_as_a_whole_keeps_its_items_for_the_rules():
    data = _with_coverage("CANARY-99!")
    data["insurance"].append(dict(data["insurance"][0], member_id="AET7654321"))  # same rank
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(data, rules=_member_id_rule)
    assert info.value.fields == ["insurance", "insurance.0.member_id"]
