"""Static checks of the Salesforce DX metadata in force-app/.

There is no Salesforce org here, so the Apex is checked with the real Apex grammar
(@apexdevtools/apex-parser, through parse_apex.js) and the metadata for shape and for
agreement with what the Python service expects. The Apex unit tests themselves
(EmrSync*Test.cls) run in an org: ``sf apex run test``.
"""

from __future__ import annotations

import json
import re
import typing
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portal_pages.demo_emr import rules as demo_rules  # the demo portal's payer list
from syncapp import bundle
from syncapp.settings import Settings

from .conftest import FORCE_APP, REPO, run_parser

NS = "{http://soap.sforce.com/2006/04/metadata}"
API_VERSION = "62.0"
CLASSES = FORCE_APP / "classes"
TRIGGERS = FORCE_APP / "triggers"
OBJECTS = FORCE_APP / "objects"

SYNC_FIELDS = [
    "EMR_Patient_Id__c",
    "EMR_Sync_Status__c",
    "EMR_Sync_Error__c",
    "EMR_Last_Synced__c",
    "EMR_Not_Stored__c",
]

# Every field the Python service reads from or writes to Salesforce, by object.
PYTHON_FIELDS: dict[str, list[str]] = {
    "Patient__c": [
        "FirstName__c",
        "MiddleName__c",
        "LastName__c",
        "BirthDate__c",
        "Sex__c",
        "Phone__c",
        "Email__c",
        "Street__c",
        "City__c",
        "State__c",
        "PostalCode__c",
        *SYNC_FIELDS,
    ],
    "Guardian__c": [
        "Patient__c",
        "FirstName__c",
        "LastName__c",
        "Relationship__c",
        "Phone__c",
        "Email__c",
        "Is_Primary__c",
    ],
    "Insurance_Coverage__c": [
        "Patient__c",
        "Rank__c",
        "Payer__c",
        "Member_Id__c",
        "Group_Number__c",
        "Subscriber_Name__c",
        "Subscriber_Relationship__c",
        "Effective_Date__c",
    ],
    "Case_Note__c": ["Patient__c", "Written_At__c", "Author__c", "Body__c"],
}
CHILD_RELATIONSHIPS = {
    "Guardian__c": "Guardians",
    "Insurance_Coverage__c": "Coverages",
    "Case_Note__c": "Case_Notes",
}
EXPECTED_TYPES = {
    ("Patient__c", "BirthDate__c"): "Date",
    ("Patient__c", "Sex__c"): "Picklist",
    ("Patient__c", "Phone__c"): "Phone",
    ("Patient__c", "Email__c"): "Email",
    ("Patient__c", "EMR_Sync_Status__c"): "Picklist",
    ("Patient__c", "EMR_Last_Synced__c"): "DateTime",
    ("Guardian__c", "Is_Primary__c"): "Checkbox",
    ("Insurance_Coverage__c", "Effective_Date__c"): "Date",
    ("Case_Note__c", "Written_At__c"): "DateTime",
    ("Case_Note__c", "Body__c"): "LongTextArea",
}


def _xml(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _text(root: ET.Element, tag: str) -> str | None:
    el = root.find(NS + tag)
    return None if el is None else el.text


def _field(obj: str, name: str) -> ET.Element:
    return _xml(OBJECTS / obj / "fields" / f"{name}.field-meta.xml")


def _picklist(obj: str, name: str) -> list[str]:
    root = _field(obj, name)
    return [
        v.find(NS + "fullName").text
        for v in root.iter(NS + "value")
        if v.find(NS + "fullName") is not None
    ]


def _apex_sources() -> list[Path]:
    return sorted([*CLASSES.glob("*.cls"), *TRIGGERS.glob("*.trigger")])


_COMMENT_OR_STRING = re.compile(r"('(?:\\.|[^'\\\n])*')|/\*.*?\*/|//[^\n]*", re.S)


def _without_comments(source: str) -> str:
    """Apex without comments; string literals (which may hold '/*') are kept."""
    return _COMMENT_OR_STRING.sub(lambda m: m.group(1) or " ", source)


# --------------------------------------------------------------------------- Apex syntax


def test_every_apex_file_parses_with_the_real_grammar(apex_parser):
    sources = _apex_sources()
    assert len(sources) >= 12, sources
    done = run_parser(apex_parser, *sources)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(sources)}/{len(sources)} file(s) parsed cleanly" in done.stdout


def test_parser_is_apexdevtools_5(apex_parser):
    done = run_parser(apex_parser, Path("--version"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("5."), done.stdout


BROKEN = {
    "MissingExpression.cls": "public class MissingExpression {\n  void m() { Integer x = ; }\n}\n",
    "TrailingJunk.cls": "public class TrailingJunk { } extra",
    "UnclosedClass.cls": "public class UnclosedClass {\n  public void m() {\n",
    "BadEscape.cls": "public class BadEscape { String s = 'a\\q'; }\n",
    "BadTrigger.trigger": "trigger BadTrigger on Patient__c (after sometimes) { }\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_parser_rejects_broken_apex(apex_parser, tmp_path, name):
    """The check can fail: each snippet has one syntax error."""
    broken = tmp_path / name
    broken.write_text(BROKEN[name])
    done = run_parser(apex_parser, broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{broken}:" in done.stderr


def test_one_broken_file_fails_the_whole_run(apex_parser, tmp_path):
    broken = tmp_path / "Broken.cls"
    broken.write_text(BROKEN["MissingExpression.cls"])
    done = run_parser(apex_parser, *_apex_sources(), broken)
    assert done.returncode == 1
    assert "Broken.cls:2:" in done.stderr


# --------------------------------------------------------------------------- metadata shape


def test_sfdx_project():
    project = json.loads((REPO / "sfdx-project.json").read_text())
    assert project["sourceApiVersion"] == API_VERSION
    dirs = project["packageDirectories"]
    assert [d["path"] for d in dirs if d.get("default")] == ["force-app"]


def test_every_meta_xml_parses_in_the_metadata_namespace():
    files = sorted(REPO.joinpath("force-app").rglob("*-meta.xml"))
    assert len(files) > 50
    for path in files:
        root = _xml(path)  # raises on malformed XML
        assert root.tag.startswith(NS), f"{path}: root {root.tag} not in the metadata namespace"


@pytest.mark.parametrize(
    ("folder", "suffix", "root_tag"),
    [(CLASSES, ".cls", "ApexClass"), (TRIGGERS, ".trigger", "ApexTrigger")],
)
def test_every_apex_file_has_an_active_meta_file(folder, suffix, root_tag):
    sources = sorted(folder.glob(f"*{suffix}"))
    assert sources
    for src in sources:
        meta = src.with_name(src.name + "-meta.xml")
        assert meta.exists(), f"{src.name} has no {meta.name}"
        root = _xml(meta)
        assert root.tag == NS + root_tag
        assert _text(root, "apiVersion") == API_VERSION
        assert _text(root, "status") == "Active"
    metas = {m.name.removesuffix("-meta.xml") for m in folder.glob(f"*{suffix}-meta.xml")}
    assert metas == {s.name for s in sources}, "meta file without a source"


def test_apex_type_names_match_file_names():
    for src in _apex_sources():
        code = _without_comments(src.read_text())
        kind = "trigger" if src.suffix == ".trigger" else "class"
        match = re.search(rf"\b{kind}\s+(\w+)", code, flags=re.I)
        assert match and match.group(1) == src.stem, src.name


def test_expected_apex_is_present():
    names = {p.stem for p in _apex_sources()}
    assert {
        "EmrSyncTrigger",
        "EmrSyncFieldFilter",
        "EmrSyncNotifier",
        "EmrSyncCallback",
        "EmrSyncNotifierTest",
        "EmrSyncCallbackTest",
        "EmrSyncTriggerTest",
    } <= names


def test_every_non_test_class_has_tests_somewhere():
    tests = " ".join(p.read_text() for p in CLASSES.glob("*Test.cls"))
    for cls in CLASSES.glob("*.cls"):
        if cls.stem.endswith("Test"):
            continue
        assert "@IsTest" not in cls.read_text()
        assert cls.stem in tests or cls.stem == "EmrSyncConfig", f"{cls.stem} is not exercised"


# --------------------------------------------------------------------------- objects and fields


@pytest.mark.parametrize("obj", sorted(PYTHON_FIELDS))
def test_fields_the_python_side_uses_exist(obj):
    assert (OBJECTS / obj / f"{obj}.object-meta.xml").exists()
    for name in PYTHON_FIELDS[obj]:
        path = OBJECTS / obj / "fields" / f"{name}.field-meta.xml"
        assert path.exists(), f"missing {obj}.{name}"
        root = _xml(path)
        assert _text(root, "fullName") == name
        expected = EXPECTED_TYPES.get((obj, name))
        if expected:
            assert _text(root, "type") == expected, f"{obj}.{name}"


def test_field_map_module_if_present_names_only_existing_fields():
    """When the service's field map exists, every __c / __r name in it must exist here."""
    candidates = [REPO / "syncapp" / "field_map.py", REPO / "syncapp" / "field_map.json"]
    present = [p for p in candidates if p.exists()]
    if not present:
        pytest.skip("syncapp/field_map not written yet; PYTHON_FIELDS is the contract")
    known = set()
    for obj_dir in OBJECTS.iterdir():
        known.add(obj_dir.name)
        known.update(p.name.split(".")[0] for p in (obj_dir / "fields").glob("*.field-meta.xml"))
    known.update(f"{rel}__r" for rel in CHILD_RELATIONSHIPS.values())
    known.add("Patient__r")
    for path in present:
        used = set(re.findall(r"\b[A-Za-z][A-Za-z0-9_]*__[cr]\b", path.read_text()))
        assert used <= known, f"{path.name} uses fields force-app lacks: {sorted(used - known)}"


def test_patient_object():
    root = _xml(OBJECTS / "Patient__c" / "Patient__c.object-meta.xml")
    name = root.find(NS + "nameField")
    assert _text(name, "type") == "AutoNumber"
    assert _text(name, "displayFormat") == "P-{0000}"


def test_emr_patient_id_is_a_unique_external_id():
    root = _field("Patient__c", "EMR_Patient_Id__c")
    assert _text(root, "type") == "Text"
    assert _text(root, "length") == "32"
    assert _text(root, "externalId") == "true"
    assert _text(root, "unique") == "true"


@pytest.mark.parametrize(("child", "relationship"), sorted(CHILD_RELATIONSHIPS.items()))
def test_children_are_master_detail_of_patient(child, relationship):
    root = _field(child, "Patient__c")
    assert _text(root, "type") == "MasterDetail"
    assert _text(root, "referenceTo") == "Patient__c"
    assert _text(root, "relationshipName") == relationship
    obj = _xml(OBJECTS / child / f"{child}.object-meta.xml")
    assert _text(obj, "sharingModel") == "ControlledByParent"


def test_picklists_match_the_bundle_model():
    """Salesforce picklist values, lower-cased, are what syncapp.bundle accepts."""

    def lowered(values):
        return {v.lower() for v in values}

    assert lowered(_picklist("Patient__c", "Sex__c")) == set(typing.get_args(bundle.Sex))
    assert lowered(_picklist("Guardian__c", "Relationship__c")) == set(
        typing.get_args(bundle.Relationship)
    )
    assert lowered(_picklist("Insurance_Coverage__c", "Rank__c")) == set(
        typing.get_args(bundle.Rank)
    )
    assert lowered(_picklist("Insurance_Coverage__c", "Subscriber_Relationship__c")) == set(
        typing.get_args(bundle.SubscriberRelationship)
    )
    assert tuple(_picklist("Insurance_Coverage__c", "Payer__c")) == demo_rules.PAYERS
    assert _picklist("Patient__c", "EMR_Sync_Status__c") == ["Pending", "Synced", "Failed"]


def test_settings_object():
    root = _xml(OBJECTS / "EmrSync_Settings__c" / "EmrSync_Settings__c.object-meta.xml")
    assert _text(root, "customSettingsType") == "Hierarchy"
    for name in ("Enabled__c", "Integration_User_Id__c", "Webhook_Secret__c"):
        assert (OBJECTS / "EmrSync_Settings__c" / "fields" / f"{name}.field-meta.xml").exists()


def test_permission_set_names_existing_fields():
    root = _xml(FORCE_APP / "permissionsets" / "EmrSync_Integration.permissionset-meta.xml")
    editable = set()
    for fp in root.iter(NS + "fieldPermissions"):
        obj, name = _text(fp, "field").split(".")
        assert (OBJECTS / obj / "fields" / f"{name}.field-meta.xml").exists(), (obj, name)
        if _text(fp, "editable") == "true":
            editable.add(f"{obj}.{name}")
    # The integration user may write the sync fields and nothing else.
    assert editable == {f"Patient__c.{f}" for f in SYNC_FIELDS}


# --------------------------------------------------------------------------- Apex contracts


def _patient_value_fields() -> set[str]:
    """API names of every field holding patient data (the sync fields and lookups excluded)."""
    names = set()
    for obj in PYTHON_FIELDS:
        for path in (OBJECTS / obj / "fields").glob("*.field-meta.xml"):
            name = path.name.split(".")[0]
            if name not in SYNC_FIELDS and name != "Patient__c":
                names.add(name)
    return names


def test_notifier_never_touches_patient_values():
    source = (CLASSES / "EmrSyncNotifier.cls").read_text()
    leaked = {f for f in _patient_value_fields() if f.lower() in source.lower()}
    assert not leaked, f"EmrSyncNotifier references patient fields: {sorted(leaked)}"
    code = _without_comments(source)
    written = set(re.findall(r"\.write\w*Field\(\s*'(\w+)'", code))
    written |= set(re.findall(r"\.writeFieldName\(\s*'(\w+)'", code))
    assert written == {"orgId", "eventId", "records", "id", "lastModifiedDate"}
    # The SOQL reads ids and modification times only.
    selects = re.findall(r"SELECT\s+(.*?)\s+FROM", code, flags=re.S | re.I)
    assert selects
    for columns in selects:
        for column in re.split(r"[,\s]+", columns.replace("(", " ").strip()):
            assert column in {"", "Id", "LastModifiedDate", "SELECT"}, column


def test_notifier_callout_contract():
    code = _without_comments((CLASSES / "EmrSyncNotifier.cls").read_text())
    assert "implements Queueable, Database.AllowsCallouts" in code
    assert "'callout:EmrSyncWebhook/salesforce/events'" in code
    assert "'X-EmrSync-Timestamp'" in code
    assert "'X-EmrSync-Signature'" in code
    assert "Crypto.generateMac(" in code and "'hmacSHA256'" in code
    assert "timestamp + '.' + body" in code
    assert "EncodingUtil.convertToHex(" in code
    assert re.search(r"TIMEOUT_MS\s*=\s*10000", code)
    assert re.search(r"IDS_PER_CALLOUT\s*=\s*100\b", code)
    assert re.search(r"MAX_RETRIES\s*=\s*3\b", code)
    # Log lines carry counts, ids and status codes; never a body.
    for line in re.findall(r"System\.debug\((.*?)\);", code, flags=re.S):
        assert "getBody" not in line and "body" not in line.lower()


def test_named_credential_points_at_the_service():
    root = _xml(FORCE_APP / "namedCredentials" / "EmrSyncWebhook.namedCredential-meta.xml")
    params = {_text(p, "parameterName"): p for p in root.iter(NS + "namedCredentialParameters")}
    assert _text(params["Url"], "parameterValue").startswith("https://")
    assert _text(params["ExternalCredential"], "externalCredential") == "EmrSyncWebhook"
    assert (
        FORCE_APP / "externalCredentials" / "EmrSyncWebhook.externalCredential-meta.xml"
    ).exists()


def test_trigger_filter_ignores_exactly_the_sync_fields():
    code = _without_comments((CLASSES / "EmrSyncFieldFilter.cls").read_text())
    block = re.search(r"SYNC_FIELDS\s*=\s*new Set<String>\s*\{(.*?)\}", code, flags=re.S)
    assert block
    listed = set(re.findall(r"'(\w+)'", block.group(1)))
    assert listed == {f.lower() for f in SYNC_FIELDS}
    # Text compared exactly: Apex == is case-insensitive for Strings.
    assert ".equals(" in code


def test_triggers_cover_patient_and_children():
    patient = _without_comments((TRIGGERS / "EmrSyncTrigger.trigger").read_text())
    assert re.search(
        r"trigger\s+EmrSyncTrigger\s+on\s+Patient__c\s*\(\s*after insert\s*,\s*after update\s*\)",
        patient,
    )
    children = {}
    for path in TRIGGERS.glob("*.trigger"):
        match = re.search(
            r"trigger\s+\w+\s+on\s+(\w+)\s*\(([^)]*)\)", _without_comments(path.read_text())
        )
        children[match.group(1)] = {e.strip().lower() for e in match.group(2).split(",")}
    for child in CHILD_RELATIONSHIPS:
        assert {"after insert", "after update", "after delete"} <= children[child], child


def test_loop_prevention_layers_are_wired():
    handler = _without_comments((CLASSES / "EmrSyncTriggerHandler.cls").read_text())
    assert "EmrSyncConfig.shouldNotify()" in handler  # enabled and not the integration user
    assert "EmrSyncFieldFilter." in handler  # sync-only changes ignored
    assert "notifiedThisTransaction" in handler  # recursion guard
    assert "Limits.getQueueableJobs()" in handler
    config = _without_comments((CLASSES / "EmrSyncConfig.cls").read_text())
    assert "Integration_User_Id__c" in config and "UserInfo.getUserId()" in config


def test_callback_matches_the_service_settings():
    code = _without_comments((CLASSES / "EmrSyncCallback.cls").read_text())
    mapping = re.search(r"@RestResource\(urlMapping='([^']+)'\)", code).group(1)
    assert mapping == "/EmrSync/*"
    path = Settings.model_fields["sf_callback_path"].default
    assert path == "/services/apexrest" + mapping.removesuffix("*")
    assert "@HttpPost" in code
    for status in (400, 404):
        assert f"failure({status}," in code
    # Only sync fields are written.
    written = set(re.findall(r"patch\.(\w+__c)\s*=", code))
    assert written == set(SYNC_FIELDS)


# --------------------------------------------------------------------------- no-code path


def test_outbound_message_sends_id_and_lastmodifieddate_only():
    root = _xml(FORCE_APP / "workflows" / "Patient__c.workflow-meta.xml")
    messages = root.findall(NS + "outboundMessages")
    assert len(messages) == 1
    om = messages[0]
    assert [f.text for f in om.findall(NS + "fields")] == ["Id", "LastModifiedDate"]
    assert _text(om, "includeSessionId") == "false"
    assert _text(om, "apiVersion") == API_VERSION
    assert _text(om, "endpointUrl") == "https://sync.clinic.example/salesforce/outbound-message"
    assert _text(om, "integrationUser")
    assert root.find(NS + "rules") is None, "no Workflow Rules: the Flow sends the message"


def test_flow_sends_the_outbound_message_after_save():
    root = _xml(FORCE_APP / "flows" / "Patient_EMR_Outbound_Message.flow-meta.xml")
    start = root.find(NS + "start")
    assert _text(start, "object") == "Patient__c"
    assert _text(start, "triggerType") == "RecordAfterSave"
    formula = _text(start, "filterFormula")
    assert "Integration_User_Id__c" in formula
    assert not any(f in formula for f in SYNC_FIELDS)
    action = root.find(NS + "actionCalls")
    assert _text(action, "actionType") == "outboundMessage"
    assert _text(action, "actionName") == "Patient__c.EMR_Sync_Outbound_Message"
    assert _text(start.find(NS + "connector"), "targetReference") == _text(action, "name")


def test_readme_covers_setup():
    readme = (REPO / "force-app" / "README.md").read_text()
    for needle in (
        "sf project deploy start",
        "External Client App",
        "PKCE",
        "refresh_token",
        "/oauth/callback",
        "Named Credential",
        "External Credential",
        "Webhook_Secret__c",
        "Integration_User_Id__c",
        "Outbound Message",
    ):
        assert needle in readme, needle


def test_default_field_map_agrees_with_the_objects():
    """syncapp.field_map.DEFAULT_MAP: objects, relationships, fields and picklist values exist."""
    field_map = pytest.importorskip("syncapp.field_map")
    default = field_map.DEFAULT_MAP

    def check(sobject: str, fields: dict) -> None:
        for spec in fields.values():
            name = spec if isinstance(spec, str) else spec["field"]
            path = OBJECTS / sobject / "fields" / f"{name}.field-meta.xml"
            assert path.exists(), f"field map uses missing {sobject}.{name}"
            if isinstance(spec, dict) and spec.get("type") == "picklist":
                assert set(spec["values"]) == set(_picklist(sobject, name)), f"{sobject}.{name}"

    check(default["patient"]["sobject"], default["patient"]["fields"])
    for child in default["children"].values():
        sobject = child["sobject"]
        assert child["relationship"] == CHILD_RELATIONSHIPS[sobject] + "__r"
        check(sobject, child["fields"])
