"""Plain HTML record pages, for a person clicking around after ``make up``.

They borrow Lightning's URLs (``/lightning/o/Patient__c/list``,
``/lightning/r/<Object>/<Id>/view``) so links copied from logs look familiar,
but are deliberately simple: read-only tables, every value escaped by Jinja.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template_string, url_for

from sandbox.salesforce_org import schema
from sandbox.salesforce_org.org import org

bp = Blueprint("pages", __name__)

_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} | Salesforce sandbox org</title>
<style>
 body{font-family:system-ui,sans-serif;margin:0;background:#f3f2f2;color:#181818}
 header{background:#032d60;color:#fff;padding:10px 20px} header a{color:#fff;text-decoration:none}
 main{max-width:1000px;margin:20px auto;background:#fff;padding:16px 24px;border-radius:6px}
 table{border-collapse:collapse;width:100%;margin:8px 0 20px} th,td{text-align:left;padding:6px 8px;
 border-bottom:1px solid #ddd;vertical-align:top;font-size:14px} th{background:#fafaf9}
 .status-Synced{color:#2e844a;font-weight:600} .status-Failed{color:#ba0517;font-weight:600}
 .status-Pending{color:#8c4b02} dt{font-weight:600;font-size:13px;color:#444} dd{margin:0 0 8px}
 .grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 24px} .muted{color:#666;font-size:13px}
</style></head>
<body><header><a href="{{ url_for('pages.patient_list') }}">Salesforce sandbox org</a> · Patients</header>
<main>{{ body|safe }}</main></body></html>"""

_LIST = """<h1>Patients</h1>
<p class="muted">{{ rows|length }} record(s). Notifications pending: {{ pending }}.</p>
<table><thead><tr><th>Patient Number</th><th>Name</th><th>Birth Date</th><th>EMR Patient Id</th>
<th>EMR Sync Status</th><th>Last Modified</th></tr></thead><tbody>
{% for r in rows %}<tr>
<td><a href="{{ url_for('pages.record_view', name='Patient__c', record_id=r.Id) }}">{{ r.Name }}</a></td>
<td>{{ r.FirstName__c or '' }} {{ r.LastName__c or '' }}</td><td>{{ r.BirthDate__c or '' }}</td>
<td>{{ r.EMR_Patient_Id__c or '' }}</td>
<td class="status-{{ r.EMR_Sync_Status__c or '' }}">{{ r.EMR_Sync_Status__c or '' }}</td>
<td>{{ r.LastModifiedDate }}</td></tr>
{% else %}<tr><td colspan="6">No patients yet.</td></tr>{% endfor %}
</tbody></table>"""

_VIEW = """<h1>{{ obj.label }} {{ record.Name }}</h1>
<p class="muted">Id {{ record.Id }}{% if parent %} · Patient
<a href="{{ url_for('pages.record_view', name='Patient__c', record_id=parent.Id) }}">{{ parent.Name }}</a>{% endif %}</p>
<dl class="grid">{% for f in fields %}<div><dt>{{ f.label }} <span class="muted">({{ f.name }})</span></dt>
<dd{% if f.name == 'EMR_Sync_Status__c' %} class="status-{{ record[f.name] or '' }}"{% endif %}>
{%- if record[f.name] is none %}<span class="muted">—</span>{% else %}{{ record[f.name] }}{% endif %}</dd></div>{% endfor %}</dl>
{% for rel, child, rows in related %}<h2>{{ child.plural }} ({{ rows|length }})</h2>
{% if rows %}<table><thead><tr><th>Number</th>{% for f in child_fields[child.name] %}<th>{{ f.label }}</th>{% endfor %}</tr></thead><tbody>
{% for r in rows %}<tr><td><a href="{{ url_for('pages.record_view', name=child.name, record_id=r.Id) }}">{{ r.Name }}</a></td>
{% for f in child_fields[child.name] %}<td>{{ '' if r[f.name] is none else r[f.name] }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">None.</p>{% endif %}{% endfor %}"""


def _page(title: str, body: str, status: int = 200) -> Response:
    html = render_template_string(_LAYOUT, title=title, body=body)
    return Response(html, status=status, mimetype="text/html")


def _custom_fields(obj: schema.SObject) -> list[schema.Field]:
    return [f for f in obj.fields if f.name.endswith("__c") and f.name != "Patient__c"]


@bp.get("/")
def home() -> Response:
    return redirect(url_for("pages.patient_list"))


@bp.get("/lightning/o/Patient__c/list")
def patient_list() -> Response:
    the_org = org()
    rows = sorted(the_org.records.all(schema.PATIENT), key=lambda r: r["Name"], reverse=True)
    body = render_template_string(_LIST, rows=rows, pending=the_org.notifier.pending_count())
    return _page("Patients", body)


@bp.get("/lightning/r/<name>/<record_id>/view")
def record_view(name: str, record_id: str) -> Response:
    obj = schema.get_object(name)
    record = org().records.get(obj, record_id) if obj else None
    if obj is None or record is None:
        return _page("Not found", "<h1>Record not found</h1>", status=404)
    parent = org().records.get(schema.PATIENT, record["Patient__c"]) if obj.parent_field else None
    related = [
        (rel, schema.OBJECTS[c], org().records.children(record["Id"], schema.OBJECTS[c]))
        for rel, c in obj.children.items()
    ]
    fields = _custom_fields(obj) + [
        obj.field("CreatedDate"),
        obj.field("LastModifiedDate"),
    ]
    body = render_template_string(
        _VIEW,
        obj=obj,
        record=record,
        parent=parent,
        fields=fields,
        related=related,
        child_fields={c.name: _custom_fields(c) for _r, c, _rows in related},
    )
    return _page(f"{obj.label} {record['Name']}", body)
