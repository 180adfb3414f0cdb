"""The org's data model: the four custom objects of ``force-app/``, in Python.

Field API names, types, lengths and restricted picklists mirror the metadata in
``force-app/main/default/objects`` so that a client written against this
sandbox sees the same describe, the same SOQL names and the same validation
errors it will meet in a real org.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Fields the sync service writes back. Changing only these never notifies,
# which is what keeps a callback from triggering another sync (no loops).
SYNC_FIELDS = frozenset(
    {
        "EMR_Patient_Id__c",
        "EMR_Sync_Status__c",
        "EMR_Sync_Error__c",
        "EMR_Last_Synced__c",
        "EMR_Not_Stored__c",
    }
)

SYSTEM_FIELDS = (
    "Id",
    "IsDeleted",
    "Name",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # id, string, textarea, phone, email, picklist, boolean, date, datetime, reference
    label: str
    length: int = 0
    picklist: tuple[str, ...] = ()
    default: object = None
    reference_to: str | None = None
    relationship_name: str | None = None  # e.g. "Patient__r" on a child's Patient__c
    writable: bool = True
    external_id: bool = False
    unique: bool = False


@dataclass(frozen=True)
class SObject:
    name: str
    label: str
    plural: str
    key_prefix: str
    name_format: str  # auto-number display format, e.g. "P-{0000}"
    fields: tuple[Field, ...]
    parent_field: str | None = None  # the master-detail field of a child object
    children: dict[str, str] = field(default_factory=dict)  # relationship name -> child object

    def field(self, name: str) -> Field | None:
        """Look a field up case-insensitively, as SOQL and the REST API do."""
        return _FIELD_INDEX[self.name].get(name.lower())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _system(name_label: str) -> tuple[Field, ...]:
    return (
        Field("Id", "id", "Record ID", 18, writable=False),
        Field("IsDeleted", "boolean", "Deleted", writable=False),
        Field("Name", "string", name_label, 80, writable=False),
        Field("CreatedDate", "datetime", "Created Date", writable=False),
        Field("CreatedById", "reference", "Created By ID", 18, reference_to="User", writable=False),
        Field("LastModifiedDate", "datetime", "Last Modified Date", writable=False),
        Field(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            18,
            reference_to="User",
            writable=False,
        ),
        Field("SystemModstamp", "datetime", "System Modstamp", writable=False),
    )


def _master() -> Field:
    return Field(
        "Patient__c",
        "reference",
        "Patient",
        18,
        reference_to="Patient__c",
        relationship_name="Patient__r",
    )


PATIENT = SObject(
    name="Patient__c",
    label="Patient",
    plural="Patients",
    key_prefix="a00",
    name_format="P-{:04d}",
    fields=_system("Patient Number")
    + (
        Field("FirstName__c", "string", "First Name", 80),
        Field("MiddleName__c", "string", "Middle Name", 80),
        Field("LastName__c", "string", "Last Name", 80),
        Field("BirthDate__c", "date", "Birth Date"),
        Field(
            "Sex__c",
            "picklist",
            "Sex",
            255,
            picklist=("Female", "Male", "Other", "Unknown"),
            default="Unknown",
        ),
        Field("Phone__c", "phone", "Phone", 40),
        Field("Email__c", "email", "Email", 80),
        Field("Street__c", "string", "Street", 120),
        Field("City__c", "string", "City", 60),
        Field("State__c", "string", "State", 20),
        Field("PostalCode__c", "string", "Postal Code", 10),
        Field("EMR_Patient_Id__c", "string", "EMR Patient Id", 32, external_id=True, unique=True),
        Field(
            "EMR_Sync_Status__c",
            "picklist",
            "EMR Sync Status",
            255,
            picklist=("Pending", "Synced", "Failed"),
        ),
        Field("EMR_Sync_Error__c", "textarea", "EMR Sync Error", 2000),
        Field("EMR_Last_Synced__c", "datetime", "EMR Last Synced"),
        Field("EMR_Not_Stored__c", "textarea", "Not Stored In EMR", 1000),
    ),
    children={
        "Guardians__r": "Guardian__c",
        "Coverages__r": "Insurance_Coverage__c",
        "Case_Notes__r": "Case_Note__c",
    },
)

GUARDIAN = SObject(
    name="Guardian__c",
    label="Guardian",
    plural="Guardians",
    key_prefix="a01",
    name_format="G-{:05d}",
    parent_field="Patient__c",
    fields=_system("Guardian Number")
    + (
        _master(),
        Field("FirstName__c", "string", "First Name", 80),
        Field("LastName__c", "string", "Last Name", 80),
        Field(
            "Relationship__c",
            "picklist",
            "Relationship",
            255,
            picklist=("Mother", "Father", "Guardian", "Grandparent", "Other"),
            default="Guardian",
        ),
        Field("Phone__c", "phone", "Phone", 40),
        Field("Email__c", "email", "Email", 80),
        Field("Is_Primary__c", "boolean", "Is Primary", default=False),
    ),
)

COVERAGE = SObject(
    name="Insurance_Coverage__c",
    label="Insurance Coverage",
    plural="Insurance Coverages",
    key_prefix="a02",
    name_format="INS-{:05d}",
    parent_field="Patient__c",
    fields=_system("Coverage Number")
    + (
        _master(),
        Field(
            "Rank__c", "picklist", "Rank", 255, picklist=("Primary", "Secondary"), default="Primary"
        ),
        Field(
            "Payer__c",
            "picklist",
            "Payer",
            255,
            picklist=(
                "Aetna",
                "Blue Cross Blue Shield",
                "Cigna",
                "Humana",
                "Kaiser Permanente",
                "Medicaid",
                "Medicare",
                "Tricare",
                "UnitedHealthcare",
                "Self-pay",
            ),
        ),
        Field("Member_Id__c", "string", "Member Id", 20),
        Field("Group_Number__c", "string", "Group Number", 30),
        Field("Subscriber_Name__c", "string", "Subscriber Name", 120),
        Field(
            "Subscriber_Relationship__c",
            "picklist",
            "Subscriber Relationship",
            255,
            picklist=("Self", "Parent", "Spouse", "Other"),
            default="Self",
        ),
        Field("Effective_Date__c", "date", "Effective Date"),
    ),
)

CASE_NOTE = SObject(
    name="Case_Note__c",
    label="Case Note",
    plural="Case Notes",
    key_prefix="a03",
    name_format="N-{:06d}",
    parent_field="Patient__c",
    fields=_system("Note Number")
    + (
        _master(),
        Field("Written_At__c", "datetime", "Written At"),
        Field("Author__c", "string", "Author", 120),
        Field("Body__c", "textarea", "Body", 32768),
    ),
)

OBJECTS: dict[str, SObject] = {o.name: o for o in (PATIENT, GUARDIAN, COVERAGE, CASE_NOTE)}
_OBJECT_INDEX = {name.lower(): obj for name, obj in OBJECTS.items()}
_FIELD_INDEX = {o.name: {f.name.lower(): f for f in o.fields} for o in OBJECTS.values()}
_PREFIX_INDEX = {o.key_prefix: o for o in OBJECTS.values()}

# Prefixes of the org's own non-record ids.
ORG_PREFIX = "00D"
USER_PREFIX = "005"
OUTBOUND_ACTION_PREFIX = "04k"
NOTIFICATION_PREFIX = "04l"


def get_object(name: str) -> SObject | None:
    """Look an object up case-insensitively (``patient__c`` works, as in SOQL)."""
    return _OBJECT_INDEX.get(name.lower())


def object_for_id(record_id: str) -> SObject | None:
    return _PREFIX_INDEX.get(record_id[:3])
