"""Security linters for ``make test`` and CI: bandit and pip-audit, clean or justified.

``python -m scripts.security`` runs both and exits non-zero on any finding that is
not justified in ``docs/security/accepted.toml``:

* **bandit** over the product code (``syncapp``, ``tasks``, ``portal_pages``, the
  Celery and Flower configs). A finding is matched by file, test id and the
  flagged source line (not its number, so unrelated edits do not break the match).
* **pip-audit** of the installed environment. It needs a vulnerability service
  (PyPI's JSON API or OSV). Where neither answers (this workplace reaches PyPI
  through a local mirror, which has no vulnerability data), pip-audit skips every
  package; the script says so plainly and falls back to the local advisory list
  in the same file (known vulnerable version ranges, maintained by hand), so the
  check never reports "clean" when nothing was audited.

Stale justifications (nothing matches them any more) are reported, not fatal.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = ROOT / "docs" / "security" / "accepted.toml"
BANDIT_TARGETS = ["syncapp", "tasks", "portal_pages", "celeryconfig.py", "flowerconfig.py"]
BIN = Path(sys.executable).parent


def _accepted() -> dict:
    return tomllib.loads(ACCEPTED.read_text())


def _flagged_line(result: dict) -> str:
    for line in result.get("code", "").splitlines():
        number, _, text = line.partition(" ")
        if number == str(result["line_number"]):
            return text.strip()
    return ""


def bandit() -> int:
    proc = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", *BANDIT_TARGETS, "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    results = json.loads(proc.stdout or "{}").get("results", [])
    accepted = _accepted().get("bandit", [])
    used: set[int] = set()
    bad = 0
    for r in results:
        line = _flagged_line(r)
        match = next(
            (
                i
                for i, a in enumerate(accepted)
                if a["file"] == r["filename"] and a["test"] == r["test_id"] and a["line"] in line
            ),
            None,
        )
        if match is None:
            bad += 1
            print(f"bandit: UNJUSTIFIED {r['test_id']} {r['filename']}:{r['line_number']}: {line}")
            print(f"        {r['issue_text']}")
        else:
            used.add(match)
    for i, a in enumerate(accepted):
        if i not in used:
            print(f"bandit: stale justification (no longer flagged): {a['file']} {a['test']}")
    print(f"bandit: {len(results)} findings, {len(results) - bad} justified, {bad} unjustified")
    return bad


def _installed() -> dict[str, str]:
    return {
        (d.metadata["Name"] or "").lower().replace("_", "-"): d.version
        for d in metadata.distributions()
    }


def _local_advisories(installed: dict[str, str], accepted_ids: set[str]) -> int:
    bad = 0
    advisories = _accepted().get("advisory", [])
    for adv in advisories:
        version = installed.get(adv["package"])
        if version is None or Version(version) >= Version(adv["fixed"]):
            continue
        if adv["id"] in accepted_ids:
            print(f"advisory: accepted {adv['id']} {adv['package']} {version} (see accepted.toml)")
            continue
        bad += 1
        print(f"advisory: VULNERABLE {adv['package']} {version} < {adv['fixed']}: {adv['id']}")
    print(f"advisory: {len(advisories)} local advisories checked, {bad} unaccepted hits")
    return bad


def _pip_audit(*args: str) -> list[dict]:
    proc = subprocess.run(
        [str(BIN / "pip-audit"), "--progress-spinner", "off", "-f", "json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return json.loads(proc.stdout).get("dependencies", [])
    except json.JSONDecodeError:
        return []


def _service_answers() -> bool:
    """One look-up (flask) before auditing ~100 packages one request each."""
    probe = ROOT / ".data" / "pip-audit-probe.txt"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text("flask==3.1.3\n")
    deps = _pip_audit("-r", str(probe), "--no-deps", "--disable-pip")
    return bool(deps) and "skip_reason" not in deps[0]


def audit() -> int:
    accepted_ids = {a["id"] for a in _accepted().get("vulnerability", [])}
    if _service_answers():
        deps = _pip_audit("--local")
    else:
        print("pip-audit: no vulnerability service answers here (PyPI's JSON API / OSV)")
        deps = [{"name": d, "skip_reason": "offline"} for d in _installed()]
    audited = [d for d in deps if "skip_reason" not in d]
    bad = 0
    for dep in audited:
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            if ids & accepted_ids:
                continue
            bad += 1
            print(f"pip-audit: VULNERABLE {dep['name']} {dep['version']}: {vuln['id']}")
    print(
        f"pip-audit: {len(deps)} packages, {len(audited)} audited against a vulnerability "
        f"service, {len(deps) - len(audited)} could not be (service unreachable), {bad} findings"
    )
    if len(audited) < len(deps):
        print("pip-audit: falling back to the local advisory list for what was not audited")
        bad += _local_advisories(_installed(), accepted_ids)
    return bad


def main() -> None:
    failures = bandit() + audit()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
