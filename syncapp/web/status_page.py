"""The status page's HTML and its per-day chart: server-rendered, nothing fetched from outside.

Jinja autoescaping guards every value; the chart is an inline SVG built from
numbers and dates only. The page shows ids, outcomes, kinds and durations —
never a patient value.
"""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

W, H, PAD = 560, 160, 24


def chart_svg(days: list[tuple[date, int, int]]) -> Markup:
    """Bars per day: synced (green) with failed (red) stacked on top."""
    if not days:
        return Markup("")
    top = max((s + f for _, s, f in days), default=0) or 1
    slot = (W - 2 * PAD) / len(days)
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg id="sync-chart" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img" aria-label="syncs and failures per day">',
        f'<text x="{PAD}" y="14" font-size="11">max {top}/day</text>',
    ]
    for i, (day, synced, failed) in enumerate(days):
        x = PAD + i * slot
        hs = (H - 2 * PAD) * synced / top
        hf = (H - 2 * PAD) * failed / top
        base = H - PAD
        parts.append(
            f'<rect class="synced" x="{x:.1f}" y="{base - hs:.1f}" width="{bar:.1f}" '
            f'height="{hs:.1f}" fill="#2e7d32"><title>{day.isoformat()}: {synced} synced'
            f"</title></rect>"
        )
        parts.append(
            f'<rect class="failed" x="{x:.1f}" y="{base - hs - hf:.1f}" width="{bar:.1f}" '
            f'height="{hf:.1f}" fill="#c62828"><title>{day.isoformat()}: {failed} failed'
            f"</title></rect>"
        )
        if i % max(1, len(days) // 7) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{H - 6}" font-size="10">{day.strftime("%m-%d")}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sf-emr-sync status</title>
<meta http-equiv="refresh" content="60">
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;white-space:nowrap}
td.reason{white-space:normal}
.ok{color:#2e7d32}.bad{color:#c62828;font-weight:bold}.warn{color:#b26a00}
.flash{background:#e8f5e9;padding:6px 10px;border:1px solid #a5d6a7}
</style></head><body>
<h1>sf-emr-sync status</h1>
{% if resynced %}<p class="flash" id="flash">Resync enqueued for {{ resynced }}.</p>{% endif %}
<h2>Salesforce</h2>
<table id="salesforce">
<tr><th>connection</th><td class="{{ 'ok' if sf.connected else 'bad' }}">
{{ 'connected' if sf.connected else 'not connected: open /oauth/login' }}</td></tr>
<tr><th>org</th><td>{{ sf.org_id or '-' }}</td></tr>
<tr><th>last token refresh</th><td>{{ sf.issued_at or '-' }}</td></tr>
<tr><th>token refresh failures</th><td>{{ sf.refresh_failures }}</td></tr>
</table>
<h2>Broker and workers</h2>
<table id="broker">
<tr><th>broker</th><td class="{{ 'ok' if depths.reachable else 'bad' }}">
{{ 'reachable' if depths.reachable else 'unreachable' }}</td></tr>
<tr><th>workers</th><td id="workers">{% if workers is none %}unknown{% elif workers %}
{{ workers|join(', ') }}{% else %}<span class="bad">none answered</span>{% endif %}</td></tr>
<tr><th>sync queue</th><td id="queue-depth">{{ depths.sync if depths.sync is not none else '?' }}</td></tr>
<tr><th>report queue</th><td>{{ depths.report if depths.report is not none else '?' }}</td></tr>
<tr><th>dead-letter queue</th><td id="dead-depth" class="{{ 'bad' if depths.dead else '' }}">
{{ depths.dead if depths.dead is not none else '?' }}</td></tr>
<tr><th>selector-drift check</th><td id="drift" class="{{ drift.css }}">{{ drift.text }}</td></tr>
</table>
{% if audit_error %}<p class="bad">Audit trail unavailable ({{ audit_error }}).</p>{% endif %}
<h2>Failed records</h2>
<p>Failed for good (Salesforce was told why; parked in the dead-letter queue). Fix the cause, then Resync.</p>
<table id="failed"><tr><th>record</th><th>EMR id</th><th>kind</th><th>reason</th><th>when</th><th></th></tr>
{% for r in failing %}<tr data-record="{{ r.record_id }}"><td>{{ r.record_id }}</td>
<td>{{ r.emr_patient_id or '-' }}</td><td>{{ r.failure_kind or "-" }}</td><td class="reason">{{ r.readable }}</td>
<td>{{ r.at }}</td><td><form method="post" action="{{ url_for('status.resync') }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<input type="hidden" name="record_id" value="{{ r.record_id }}">
<button type="submit" class="resync">Resync</button></form></td></tr>
{% else %}<tr><td colspan="6">none</td></tr>{% endfor %}</table>
<h2>Last {{ recent|length }} syncs</h2>
<table id="recent"><tr><th>when</th><th>record</th><th>EMR id</th><th>outcome</th><th>kind</th><th>seconds</th></tr>
{% for r in recent %}<tr data-record="{{ r.record_id }}"><td>{{ r.at }}</td><td>{{ r.record_id }}</td>
<td>{{ r.emr_patient_id or '-' }}</td>
<td class="outcome {{ 'ok' if r.outcome == 'synced' else ('bad' if r.outcome == 'failed' else 'warn') }}">
{{ r.outcome|capitalize }}</td><td>{{ r.failure_kind or '' }}</td>
<td>{{ '%.1f'|format(r.duration_ms / 1000) }}</td></tr>
{% else %}<tr><td colspan="6">none yet</td></tr>{% endfor %}</table>
<h2>Per day (UTC): <span class="ok">synced</span> and <span class="bad">failed</span></h2>
{{ chart }}
<p>Metrics: <a href="{{ url_for('metrics.metrics') }}">/metrics</a>;
Celery internals: Flower's own /metrics.</p>
</body></html>
"""
