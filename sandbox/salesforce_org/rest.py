"""The REST API under ``/services/data/``: versions, sObject CRUD, describe, query.

Paths, status codes and bodies follow Salesforce's REST API so that
simple-salesforce (which builds these URLs itself, with and without trailing
slashes) works unchanged. Any ``vNN.N`` version is accepted and echoed back in
``attributes.url``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.salesforce_org import schema, soql
from sandbox.salesforce_org.errors import ApiError, not_found
from sandbox.salesforce_org.oauth import require_session
from sandbox.salesforce_org.org import org
from sandbox.salesforce_org.schema import SObject

bp = Blueprint("rest", __name__)

_VERSION = re.compile(r"^v\d{2,3}\.\d$")
VERSIONS = [
    ("Winter '24", "59.0"),
    ("Spring '24", "60.0"),
    ("Summer '24", "61.0"),
    ("Winter '25", "62.0"),
    ("Spring '25", "63.0"),
    ("Summer '25", "64.0"),
]
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


@bp.after_request
def _limit_info(response: Response) -> Response:
    """Salesforce reports API usage on every response; simple-salesforce parses it."""
    used = org().count_api_call()
    response.headers["Sforce-Limit-Info"] = f"api-usage={used}/15000"
    return response


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "rest.versions":
        return None
    version = (request.view_args or {}).get("version", "")
    if version and not _VERSION.match(version):
        return not_found().response()
    return require_session()


def _json_body() -> Any:
    raw = request.get_data(cache=True, as_text=True)
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc.msg}") from None


def _object(name: str) -> SObject:
    obj = schema.get_object(name)
    if obj is None:
        raise not_found()
    return obj


def _record_url(version: str, obj: SObject, record_id: str) -> str:
    return f"/services/data/{version}/sobjects/{obj.name}/{record_id}"


def shape_record(
    version: str, obj: SObject, record: dict[str, Any], fields: list[str] | None = None
) -> dict[str, Any]:
    """A record as the REST API returns it: ``attributes`` first, then the fields."""
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": _record_url(version, obj, record["Id"])}
    }
    for name in fields or obj.field_names:
        out[name] = record.get(name)
    return out


# --- discovery --------------------------------------------------------------------


@bp.get("/services/data/", strict_slashes=False)
def versions() -> Response:
    return jsonify(
        [{"label": label, "url": f"/services/data/v{v}", "version": v} for label, v in VERSIONS]
    )


@bp.get("/services/data/<version>/", strict_slashes=False)
def resources(version: str) -> Response:
    base = f"/services/data/{version}"
    return jsonify(
        {
            "sobjects": f"{base}/sobjects",
            "query": f"{base}/query",
            "queryAll": f"{base}/queryAll",
            "limits": f"{base}/limits",
            "identity": f"{org().instance_url()}/id/{org().org_id}/{org().user_id}",
        }
    )


@bp.get("/services/data/<version>/limits/", strict_slashes=False)
def limits(version: str) -> Response:
    return jsonify(
        {
            "DailyApiRequests": {"Max": 15000, "Remaining": 15000},
            "DailyWorkflowEmails": {"Max": 1000, "Remaining": 1000},
        }
    )


def _object_summary(version: str, obj: SObject) -> dict[str, Any]:
    base = f"/services/data/{version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.plural,
        "keyPrefix": obj.key_prefix,
        "custom": True,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "retrieveable": True,
        "urls": {
            "sobject": base,
            "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}",
        },
    }


@bp.get("/services/data/<version>/sobjects/", strict_slashes=False)
def global_describe(version: str) -> Response:
    return jsonify(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [_object_summary(version, o) for o in schema.OBJECTS.values()],
        }
    )


def _describe_field(spec: schema.Field) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "soapType": _SOAP_TYPES.get(spec.type, "xsd:string"),
        "length": spec.length if spec.type not in ("boolean", "date", "datetime") else 0,
        "custom": spec.name.endswith("__c"),
        "nillable": spec.type != "boolean" and spec.writable and spec.reference_to != "Patient__c",
        "createable": spec.writable,
        "updateable": spec.writable and spec.type != "reference",
        "autoNumber": spec.name == "Name",
        "calculated": False,
        "externalId": spec.external_id,
        "unique": spec.unique,
        "idLookup": spec.name in ("Id", "Name") or spec.external_id,
        "defaultValue": spec.default,
        "defaultedOnCreate": spec.default is not None or not spec.writable,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == spec.default,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in spec.picklist
        ],
        "restrictedPicklist": bool(spec.picklist),
        "referenceTo": [spec.reference_to] if spec.reference_to else [],
        "relationshipName": spec.relationship_name,
        "cascadeDelete": False,
    }


@bp.get("/services/data/<version>/sobjects/<name>/describe/", strict_slashes=False)
def describe(version: str, name: str) -> Response:
    obj = _object(name)
    body = _object_summary(version, obj)
    body["fields"] = [_describe_field(f) for f in obj.fields]
    body["childRelationships"] = [
        {
            "childSObject": child,
            "field": "Patient__c",
            "relationshipName": rel,
            "cascadeDelete": True,
            "deprecatedAndHidden": False,
        }
        for rel, child in obj.children.items()
    ]
    return jsonify(body)


# --- records ----------------------------------------------------------------------


@bp.route(
    "/services/data/<version>/sobjects/<name>/", methods=["GET", "POST"], strict_slashes=False
)
def sobject(version: str, name: str) -> Response:
    obj = _object(name)
    if request.method == "GET":
        recent = [
            shape_record(version, obj, r, ["Id", "Name"]) for r in org().records.all(obj)[-10:]
        ]
        return jsonify({"objectDescribe": _object_summary(version, obj), "recentItems": recent})
    record_id = org().records.insert(obj, _json_body())
    resp = jsonify({"id": record_id, "success": True, "errors": []})
    resp.status_code = 201
    return resp


@bp.route(
    "/services/data/<version>/sobjects/<name>/<record_id>/",
    methods=["GET", "PATCH", "DELETE", "POST"],
    strict_slashes=False,
)
def record(version: str, name: str, record_id: str) -> Response:
    obj = _object(name)
    records = org().records
    method = request.method
    if method == "POST":
        if request.args.get("_HttpMethod", "").upper() != "PATCH":
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
            )
        method = "PATCH"
    if method == "GET":
        row = records.require(obj, record_id)
        fields = None
        if request.args.get("fields"):
            fields = []
            for raw in request.args["fields"].split(","):
                spec = obj.field(raw.strip())
                if spec is None:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{raw.strip()}' on sobject of type {obj.name}",
                    )
                fields.append(spec.name)
        return jsonify(shape_record(version, obj, row, fields))
    if method == "PATCH":
        records.update(obj, record_id, _json_body())
        return Response(status=204)
    records.delete(obj, record_id)
    return Response(status=204)


@bp.get("/services/data/<version>/sobjects/<name>/<field_name>/<path:value>")
def record_by_external_id(version: str, name: str, field_name: str, value: str) -> Response:
    """``GET .../sobjects/Patient__c/EMR_Patient_Id__c/MRN-1``: a record by external id."""
    obj = _object(name)
    spec = obj.field(field_name)
    if spec is None or not (spec.external_id or spec.name == "Id"):
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {field_name}",
        )
    if spec.name == "Id":
        return jsonify(shape_record(version, obj, org().records.require(obj, value)))
    matches = [
        r for r in org().records.all(obj) if (r.get(spec.name) or "").lower() == value.lower()
    ]
    if not matches:
        raise not_found()
    return jsonify(shape_record(version, obj, matches[0]))


# --- query ------------------------------------------------------------------------


def _run_query(version: str, *, include_deleted: bool) -> Response:
    text = request.args.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    parsed = soql.parse(text)
    result = soql.Evaluator(org().records, version, include_deleted=include_deleted).run(parsed)
    return jsonify(result)


@bp.get("/services/data/<version>/query/", strict_slashes=False)
def query(version: str) -> Response:
    return _run_query(version, include_deleted=False)


@bp.get("/services/data/<version>/queryAll/", strict_slashes=False)
def query_all(version: str) -> Response:
    return _run_query(version, include_deleted=True)
