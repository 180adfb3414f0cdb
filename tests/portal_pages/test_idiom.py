"""Page objects keep one idiom: the browser is ``self.browser``, and no locator is dead.

Read from the source (no browser): a private locator declared on a page-object
class (``_name = (By..., ...)``) must be used by its adapter package or by
``core`` (the drift walks, which read every locator, do not count); a name that
a page object builds as a string (``getattr(self, f"_{n}")``) counts as used.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PAGES = Path(__file__).resolve().parents[2] / "portal_pages"


def _sources() -> dict[Path, str]:
    return {p: p.read_text() for p in PAGES.rglob("*.py")}


def _locators(text: str) -> list[tuple[str, str]]:
    found = []
    for cls in (n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ClassDef)):
        for st in cls.body:
            value = st.value if isinstance(st, ast.Assign) else None
            first = value.elts[0] if isinstance(value, ast.Tuple) and value.elts else None
            if isinstance(first, ast.Attribute) and getattr(first.value, "id", "") == "By":
                found += [(cls.name, t.id) for t in st.targets if isinstance(t, ast.Name)]
    return found


def _dead(sources: dict[Path, str]) -> list[str]:
    dead = []
    for path, text in sources.items():
        users = [
            t
            for q, t in sources.items()
            if q.parent in (path.parent, PAGES / "core") and q.name != "drift.py"
        ]
        for cls, name in _locators(text):
            uses = sum(len(re.findall(rf"\b{name}\b", t)) for t in users)
            built = re.search(rf"""["']{name.lstrip("_")}["']""", text)
            if uses <= 1 and not built:
                dead.append(f"{path.relative_to(PAGES)}:{cls}.{name}")
    return dead


def test_no_page_object_declares_a_locator_it_never_uses():
    assert _dead(_sources()) == []


def test_a_dead_locator_is_found():
    sources = _sources()
    path = PAGES / "demo_emr" / "notes.py"
    sources[path] += '\n\nclass Spare:\n    _nowhere = (By.ID, "spare-id")\n'
    assert _dead(sources) == ["demo_emr/notes.py:Spare._nowhere"]


def test_page_objects_name_their_browser_browser():
    short = [
        f"{p.relative_to(PAGES)}:{n}"
        for p, t in _sources().items()
        for n, line in enumerate(t.splitlines(), 1)
        if re.search(r"\b(self|portal)\.b\b", line)
    ]
    assert short == []
