"""Rows for the warm jobs against their floors, at 0 ms and at each latency pass.

For each pass: warm create, one-field update and no-op resync, each divided by
its raw-HTTP floor in an open session; the client-side time of each (job time
minus the time the portal had a request in flight); WebDriver commands per
job; and the browser's portal requests against the floor's. A row whose goal
is missed carries ``why``: where the job's time went, in the same numbers.
"""

from __future__ import annotations

from typing import Any

from bench.ratio import Ratio

# (pass suffix -> goal) for the targets of issue 13; other passes print without goals.
GOALS: dict[str, dict[str, str]] = {
    "": {"warm_vs_floor": "<= 12", "warm_client_s": "<= 0.8"},
    "_150ms": {"warm_vs_floor": "<= 1.15", "update_vs_floor": "<= 1.0", "noop_vs_floor": "<= 1.0"},
    "_150ms_static": {"warm_vs_floor": "<= 1.15"},
}
JOBS = (
    # (key prefix, warm_cold cost kind, floor seconds key, floor requests key, name)
    ("warm", "warm", "job_s", "requests", "warm create"),
    ("update", "update", "update_s", "update_requests", "one-field update by EMR id"),
    ("noop", "noop", "noop_s", "noop_requests", "no-op resync by EMR id"),
)


def _requests_text(req: dict[str, Any]) -> str:
    return (
        f"{req.get('document', 0):g} pages + {req.get('xhr', 0):g} API, static "
        f"{req.get('static_200', 0):g}×200 / {req.get('static_304', 0):g}×304"
    )


def _top_commands(cost: dict[str, Any]) -> str:
    names = cost.get("command_names") or {}
    top = sorted(names.items(), key=lambda kv: -kv[1])[:4]
    return (": " + ", ".join(f"{n} {name}" for name, n in top)) if top else ""


def why(cost: dict[str, Any], floor_s: float, floor_req: dict[str, int]) -> str:
    """Where the median job's time went beside its floor: client time, commands, requests."""
    cost = cost.get("median_job") or cost
    return (
        f"median job {cost['seconds']:.2f} s = portal busy {cost['portal_s']:.2f} s "
        f"(floor {floor_s:.2f} s) + client-side {cost['client_s']:.2f} s "
        f"({cost['commands']:.0f} WebDriver commands, {cost['command_s']:.2f} s in them"
        f"{_top_commands(cost)}); "
        f"requests {_requests_text(cost['requests'])} vs floor "
        f"{floor_req.get('document', 0)} pages + {floor_req.get('xhr', 0)} API"
    )


def pass_rows(
    suffix: str, title: str, fl: dict[str, Any], wc: dict[str, Any], note: str = ""
) -> list[Ratio]:
    goals = GOALS.get(suffix, {})
    costs = wc.get("costs") or {}
    out: list[Ratio] = []
    for key, kind, floor_key, req_key, name in JOBS:
        cost, floor_s = costs.get(kind), fl.get(floor_key)
        if not cost or not floor_s:
            continue
        floor_req = fl.get(req_key) or {}
        text = why(cost, floor_s, floor_req) + note
        out.append(
            Ratio(
                f"{key}_vs_floor{suffix}",
                f"{name} / its floor in an open session{title}",
                cost["seconds"] / floor_s,
                f"{cost['seconds']:.2f} s vs {floor_s * 1000:.0f} ms",
                goals.get(f"{key}_vs_floor"),
                why=text,
            )
        )
        out.append(
            Ratio(
                f"{key}_client_s{suffix}",
                f"{name}: client-side seconds (job − portal busy){title}",
                cost["client_s"],
                f"portal busy {cost['portal_s']:.2f} s of {cost['seconds']:.2f} s; "
                f"{cost['commands']:.0f} WebDriver commands ({cost['command_s']:.2f} s)",
                goals.get(f"{key}_client_s"),
                why=text,
            )
        )
        browser = cost["requests"].get("document", 0) + cost["requests"].get("xhr", 0)
        floor_n = floor_req.get("document", 0) + floor_req.get("xhr", 0)
        if floor_n:
            out.append(
                Ratio(
                    f"{key}_requests_vs_floor{suffix}",
                    f"{name}: portal pages + API calls / the floor's{title}",
                    browser / floor_n,
                    f"{_requests_text(cost['requests'])} vs "
                    f"{floor_req.get('document', 0)} pages + {floor_req.get('xhr', 0)} API",
                )
            )
    return out


def rows(m: dict[str, Any]) -> list[Ratio]:
    out: list[Ratio] = []
    if m.get("floor") and m.get("warm_cold"):
        out += pass_rows("", "", m["floor"], m["warm_cold"])
    for label, p in (m.get("latency") or {}).items():
        title = f", at {p['latency_ms']:g} ms" + (
            " (static files too)" if p["static_latency"] else ""
        )
        note = ""
        if p["static_latency"]:
            cc = str(p.get("static_cache_control"))
            note = f"; the portal serves static files with Cache-Control: {cc}"
            if "no-cache" in cc or "no-store" in cc:
                note += ", so every page load revalidates each (a 304 round trip), however warm"
        if p.get("floor") and p.get("warm_cold"):
            out += pass_rows(f"_{label}", title, p["floor"], p["warm_cold"], note)
    return out
