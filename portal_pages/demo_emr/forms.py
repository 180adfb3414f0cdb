"""The portal's "record form" widget: read it, fill it (read-before-write), save it.

Every editable form of the Demo EMR is a ``form.record-form`` whose controls are
plain inputs, masked dates, custom dropdowns and checkboxes. The owning page
object says which of its fields is which kind; this region converts between the
portal's shapes (``MM/DD/YYYY``, ``yes``/``no``) and the sync's (ISO dates,
booleans), and writes a field only when its value differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.fields import fill_form, read_form
from portal_pages.demo_emr.base import DemoPage, SaveLocked
from portal_pages.diff import Value, Values, field_changes
from syncapp.errors import PageChanged, PortalRejected

Lookup = Callable[[], WebElement]
SAVE_ATTEMPTS = 3  # a save answered 423 is unlocked and submitted again, in place


def to_portal_date(iso: str) -> str:
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def from_portal_date(text: str) -> str:
    """``MM/DD/YYYY`` to ISO; anything else is returned as is (and will show as a difference)."""
    parts = text.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[2]), int(parts[0]), int(parts[1])).isoformat()
        except ValueError:
            return text
    return text


class RecordForm:
    """One ``form.record-form``; ``kinds`` maps field name to date|dropdown|checkbox (else text)."""

    _save = (By.CSS_SELECTOR, "button.save")
    _SELECTORS = {
        "control": '[name="%s"]:not([type=hidden])',
        "dropdown": 'div.dropdown[data-name="%s"]',
        "toggle": ".dropdown-toggle",
        "option": '.dropdown-option[data-value="%s"]',
        "value_attribute": "data-value",
    }

    def __init__(self, page: DemoPage, root: Lookup, kinds: Mapping[str, str], what: str) -> None:
        self.page, self.b, self.root, self.kinds, self.what = page, page.b, root, kinds, what

    def read(self, names: tuple[str, ...]) -> Values:
        raw = read_form(self.b, self.root)
        missing = [n for n in names if n not in raw]
        if missing:
            raise PageChanged(f"{self.what} form lacks fields", page=self.b.page, fields=missing)
        out: Values = {}
        for name in names:
            value = raw[name]
            kind = self.kinds.get(name)
            if kind == "checkbox":
                out[name] = bool(value)
            elif kind == "date":
                out[name] = from_portal_date(str(value))
            else:
                out[name] = str(value or "").strip()
        return out

    def fill(self, values: Mapping[str, Value]) -> list[str]:
        """Bring each named field to its value (one round trip); return the names changed."""
        self.b.guard()
        spec: list[tuple[str, str, str | bool]] = []
        for name, value in values.items():
            kind = self.kinds.get(name, "text")
            if kind == "checkbox":
                spec.append((name, kind, bool(value)))
            elif kind == "date":
                spec.append((name, "text", to_portal_date(str(value))))
            else:
                spec.append((name, kind, str(value)))
        return fill_form(self.b, self.root, spec, self._SELECTORS)

    def save(self, values: Mapping[str, Value], *, leaves_page: bool = False) -> list[str]:
        """Fill and submit; a 423 is unlocked and resubmitted. Returns the changed names.

        Nothing is submitted when no field differs. Raises ``PortalRejected`` on
        a validation error (messages and field names, never values).
        """
        changed = self.fill(values)
        if not changed:
            return []
        for attempt in range(SAVE_ATTEMPTS):
            self.b.guard()
            mark = self.page.mark()
            self.b.click(lambda: self.b.find(self._save, self.root(), "save button"), "save")
            try:
                self.page.wait_outcome(mark, what=f"{self.what} save", leaves_page=leaves_page)
                return changed
            except SaveLocked:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise
                self.b.guard()  # unlocks
                self.fill(values)  # the form still holds our values; make sure of it
        return changed  # pragma: no cover


def verify_saved(
    actual: Values, expected: Mapping[str, Value], what: str, page: str | None
) -> None:
    """After a save the panel shows what the server stored: it must be what we sent.

    A difference means the portal altered a value (a normalisation the sync
    does not know about): report it by field name rather than loop forever.
    """
    off = sorted(field_changes(actual, expected))
    if off:
        raise PortalRejected(
            f"{what}: the portal stored different values than sent", page=page, fields=off
        )
