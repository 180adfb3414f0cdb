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
        ({"address": {"state": "Q9"}}, "patient.address.state"),
    ],
)
def test_invalid_values_are_permanent_and_named_without_values(patient, field):
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(_bundle(**patient))
    assert isinstance(info.value, PermanentError)
    assert field in info.value.fields
    text = str(info.value)
    for value in ("2999-01-01", "1850-01-01", "canary-not-an-email", "Q9", "Zoë"):
        assert value not in text


def test_member_id_must_be_letters_and_digits():
    data = _bundle()
    data["insurance"] = [{"rank": "primary", "payer": "Aetna", "member_id": "CANARY-99!"}]
    with pytest.raises(InvalidBundle) as info:
        validate_bundle(data)
    assert "insurance.0.member_id" in info.value.fields
    assert "CANARY-99!" not in str(info.value)
