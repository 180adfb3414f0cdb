"""The portal's "record form" widget: read it, fill it (read-before-write), save it.

Every editable form of the Demo EMR is a ``form.record-form`` whose controls are
plain inputs, masked dates, custom dropdowns and checkboxes. The owning page
object says which of its fields is which kind; this region converts between the
portal's shapes (``MM/DD/YYYY``, ``yes``/``no``) and the sync's (ISO dates,
booleans), and writes a field only when its value differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from portal_pages.core.browser import DocumentReplaced
from portal_pages.core.fields import read_fields
from portal_pages.core.page import css
from portal_pages.core.submit import submit, submit_script
from portal_pages.core.values import from_portal_date, to_portal_date
from portal_pages.demo_emr.base import (
    SUBMIT_BLOCKED_JS,
    SUBMIT_ENDED_JS,
    SUBMIT_MARK_JS,
    DemoPage,
    SaveLocked,
)
from portal_pages.diff import Value, Values
from syncapp.errors import (
    PageChanged,
    PortalRejected,
    PortalSessionLost,
    PortalUnavailable,
    SyncError,
)

Lookup = Callable[[], WebElement]
SAVE_ATTEMPTS = 3  # a save answered 423 is unlocked and submitted again, in place
GUARD_ATTEMPTS = 5  # a lock screen or pop-up in the way is cleared, then the save tried again
_SUBMIT_JS = submit_script(blocked=SUBMIT_BLOCKED_JS, mark=SUBMIT_MARK_JS, ended=SUBMIT_ENDED_JS)


class RecordForm:
    """One ``form.record-form``; ``kinds`` maps field name to date|dropdown|checkbox (else text).

    ``root`` looks the form up again on every use (the owning region's lookup).
    """

    _save = (By.CSS_SELECTOR, "button.save")
    _SELECTORS = {
        "control": '[name="%s"]:not([type=hidden])',
        "dropdown": 'div.dropdown[data-name="%s"]',
        "toggle": ".dropdown-toggle",
        "option": '.dropdown-option[data-value="%s"]',
        "value_attribute": "data-value",
    }

    def __init__(self, page: DemoPage, root: Lookup, kinds: Mapping[str, str], what: str) -> None:
        self.page, self.browser, self.root, self.kinds, self.what = (
            page,
            page.browser,
            root,
            kinds,
            what,
        )

    def read(self, names: tuple[str, ...]) -> Values:
        return self.values_from(read_fields(self.browser, self.root), names)

    def values_from(self, raw: Mapping[str, str | bool], names: tuple[str, ...]) -> Values:
        """The sync's values from the form's raw controls (read by a page object's script)."""
        missing = [n for n in names if n not in raw]
        if missing:
            raise PageChanged(
                f"{self.what} form lacks fields", page=self.browser.page, fields=missing
            )
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

    def _spec(self, values: Mapping[str, Value]) -> list[tuple[str, str, str | bool]]:
        spec: list[tuple[str, str, str | bool]] = []
        for name, value in values.items():
            kind = self.kinds.get(name, "text")
            if kind == "checkbox":
                spec.append((name, kind, bool(value)))
            elif kind == "date":
                spec.append((name, "text", to_portal_date(str(value))))
            else:
                spec.append((name, kind, str(value)))
        return spec

    def save(
        self,
        values: Mapping[str, Value],
        *,
        leaves_page: bool = False,
        form: str | None = None,
        opener: str | None = None,
    ) -> list[str]:
        """Fill and submit in one round trip (``core.submit``); return the changed names.

        Nothing is submitted when no field differs. A lock screen or pop-up in
        the way is cleared by the guard and the save tried again; a save
        answered 423 is unlocked and resubmitted. Raises ``PortalRejected`` on a
        validation error (messages and field names, never values).
        ``leaves_page``: success navigates away (creating a chart). ``form``: the
        form's CSS selector, found by the save's own script (no lookup of its
        own); ``opener``: the control that opens it (a dialog), clicked by that
        script unless the dialog is already open.
        """
        browser, spec = self.browser, self._spec(values)
        args = {**self.page.submit_args(), "leaves_page": leaves_page}
        changed: list[str] = []
        locked = 0
        for _ in range(SAVE_ATTEMPTS + GUARD_ATTEMPTS):
            try:
                sub = submit(
                    browser,
                    self.root,
                    spec,
                    script=_SUBMIT_JS,
                    save=css(self._save),
                    args=args,
                    selectors=self._SELECTORS,
                    force=bool(changed),  # after a 423 the form already holds our values
                    opener=opener,
                    form=form,
                    owner=f"{self.what} form",
                    what=f"{self.what} save",
                )
            except DocumentReplaced:
                if leaves_page:  # the new chart loads: a blank form took every value
                    return changed or [name for name, _, _ in spec]
                raise
            changed = changed or sub.changed
            if sub.status == "unchanged":
                return []
            if sub.status in ("blocked", "not-clicked"):
                browser.guard()  # clears a lock screen or pop-up; raises on login/error pages
                continue
            kind = sub.outcome["kind"]
            if kind == "done":
                return changed
            if kind != "locked":
                raise self._failure(sub.outcome)
            locked += 1
            if locked == SAVE_ATTEMPTS:
                raise SaveLocked(
                    "the portal was locked during a save", page=self.page.name, step=self.what
                )
            browser.guard()  # unlocks; the next round submits again
        raise PortalUnavailable(f"could not save {self.what}", page=browser.page)

    def _failure(self, outcome: dict) -> SyncError:
        where = {"page": self.page.name, "step": f"{self.what} save"}
        kind = outcome["kind"]
        if kind == "rejected":
            errors = outcome["errors"]
            return PortalRejected(
                "the portal rejected the record: " + "; ".join(msg for _, msg in errors),
                fields=[name for name, _ in errors],
                **where,
            )
        if kind == "login":
            return PortalSessionLost("session ended during a save", **where)
        if kind == "error":
            return PortalUnavailable("the portal showed its error page", **where)
        return PortalUnavailable("the portal failed to save", **where)
