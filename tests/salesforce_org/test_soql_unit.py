"""The SOQL subset in process: parsing, errors, and evaluation corners."""

from __future__ import annotations

import pytest

from sandbox.salesforce_org import schema, soql
from sandbox.salesforce_org.records import Records
from sandbox.salesforce_org.store import Store


@pytest.fixture
def records() -> Records:
    return Records(Store(":memory:"), "0054W0000000001AAA", notify=lambda _pid: None)


def _run(records: Records, text: str, **kwargs) -> dict:
    return soql.Evaluator(records, "v62.0", **kwargs).run(soql.parse(text))


def test_parent_fields_escapes_not_and_nulls(records: Records) -> None:
    a = records.insert(schema.PATIENT, {"FirstName__c": "O'Hara", "LastName__c": "A"})
    b = records.insert(schema.PATIENT, {"FirstName__c": None, "LastName__c": "B"})
    records.insert(schema.GUARDIAN, {"Patient__c": a, "FirstName__c": "G"})

    rows = _run(records, r"SELECT Id FROM Patient__c WHERE FirstName__c = 'o\'hara'")["records"]
    assert [r["Id"] for r in rows] == [a]
    rows = _run(records, "SELECT LastName__c FROM Patient__c WHERE NOT (FirstName__c = null)")[
        "records"
    ]
    assert [r["LastName__c"] for r in rows] == ["A"]
    rows = _run(records, "SELECT LastName__c FROM Patient__c ORDER BY FirstName__c NULLS LAST")[
        "records"
    ]
    assert [r["LastName__c"] for r in rows] == ["A", "B"]
    rows = _run(records, "SELECT LastName__c FROM Patient__c ORDER BY FirstName__c")["records"]
    assert [r["LastName__c"] for r in rows] == ["B", "A"]  # ASC puts nulls first by default

    guardian = _run(
        records, "SELECT FirstName__c, Patient__r.LastName__c, Patient__r.Name FROM Guardian__c"
    )
    record = guardian["records"][0]
    assert record["Patient__r"]["attributes"]["type"] == "Patient__c"
    assert record["Patient__r"]["LastName__c"] == "A" and record["Patient__r"]["Name"] == "P-0001"
    assert b


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT FROM Patient__c", "MALFORMED_QUERY"),
        ("SELECT Id FROM Patient__c WHERE Id = 'xyz'", "INVALID_QUERY_FILTER_OPERATOR"),
        (
            "SELECT Id FROM Patient__c WHERE BirthDate__c = '2020-01-01'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        ("SELECT Id, (SELECT Id FROM Nope__r) FROM Patient__c", "INVALID_TYPE"),
        ("SELECT Nope__r.Name FROM Guardian__c", "INVALID_FIELD"),
        ("SELECT Id FROM Patient__c; DROP TABLE x", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Patient__c", "MALFORMED_QUERY"),
    ],
)
def test_errors(text: str, code: str) -> None:
    with pytest.raises(soql.SoqlError) as err:
        soql.parse(text)
    assert err.value.error_code == code
    assert "ERROR at Row:1:Column:" in err.value.message


def test_deleted_records_only_with_query_all(records: Records) -> None:
    a = records.insert(schema.PATIENT, {"LastName__c": "A"})
    records.insert(schema.GUARDIAN, {"Patient__c": a})
    records.delete(schema.PATIENT, a)
    assert _run(records, "SELECT Id FROM Guardian__c")["totalSize"] == 0
    assert _run(records, "SELECT Id FROM Guardian__c", include_deleted=True)["totalSize"] == 1


def test_ids_sort_case_sensitively_as_they_grow(records: Records) -> None:
    """``ORDER BY CreatedDate, Id`` lists children in the order they were entered, even
    when consecutive ids cross from ``Z`` to ``a`` (text sorts case-insensitively, ids do
    not: a folded ``...a`` would sort before ``...Z``)."""
    patient = records.insert(schema.PATIENT, {"FirstName__c": "P", "LastName__c": "Q"})
    records.store.id_seed = 34  # the next guardian counters (1, 2) end in 'Z', then 'a'
    made = [
        records.insert(schema.GUARDIAN, {"Patient__c": patient, "FirstName__c": name})
        for name in ("First", "Second")
    ]
    assert [m[14] for m in made] == ["Z", "a"]
    rows = _run(records, "SELECT Id FROM Guardian__c ORDER BY CreatedDate, Id")["records"]
    assert [r["Id"] for r in rows] == made
    names = _run(records, "SELECT FirstName__c FROM Guardian__c ORDER BY FirstName__c DESC")
    assert [r["FirstName__c"] for r in names["records"]] == ["Second", "First"]
