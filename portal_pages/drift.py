"""The selector-drift check: walk every screen read-only and name what no longer matches.

When the EMR vendor ships a redesign overnight, this finds it before the first
sync fails. The walk is the adapter's (``Portal.drift_screens``): it logs in,
goes to each screen — login, search, a chart and each of its tabs — and yields
a ``Screen`` once it is shown, with the locators that must be there and a
read-only probe (reading the section exercises its form's field selectors).
Nothing is ever written. This module only checks what the walk yields, so it
works for every adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser, Locator
from syncapp.errors import ChartNotFound, PageChanged, SyncError

log = logging.getLogger(__name__)
_BY = {v for k, v in vars(By).items() if k.isupper()}


@dataclass(frozen=True)
class Screen:
    """A screen as the walk reached it: ``page`` names its page object."""

    page: str
    locators: Mapping[str, Locator]  # selector name -> locator that must be present now
    probe: Callable[[], object] | None = None  # a read-only call that uses the screen


@dataclass(frozen=True)
class Mismatch:
    page: str
    selector: str
    locator: str = ""

    def __str__(self) -> str:
        where = f" ({self.locator})" if self.locator else ""
        return f"{self.page}.{self.selector}{where}"


@dataclass
class DriftReport:
    portal: str
    screens: list[str] = field(default_factory=list)
    missing: list[Mismatch] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict:
        return {
            "portal": self.portal,
            "ok": self.ok,
            "screens": self.screens,
            "missing": [
                {"page": m.page, "selector": m.selector, "locator": m.locator} for m in self.missing
            ],
            "note": self.note,
        }


def page_locators(cls: type, *, skip: Iterable[str] = ()) -> dict[str, Locator]:
    """A page object's private locator attributes (``_name = (By.X, "...")``), bases included."""
    found: dict[str, Locator] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if (
                name.startswith("_")
                and not name.startswith("__")
                and isinstance(value, tuple)
                and len(value) == 2
                and value[0] in _BY
                and isinstance(value[1], str)
            ):
                found[name] = value
    for name in skip:
        found.pop(name, None)
    return found


def check(portal_name: str, walk: Iterable[Screen], browser: Browser) -> DriftReport:
    """Run the walk; report every expected locator that is absent and every probe that fails.

    A screen that cannot be reached ends the walk (the screens after it depend on
    it) and is reported with the page and the element the page object was after.
    """
    report = DriftReport(portal_name)
    screens = iter(walk)
    while True:
        try:
            screen = next(screens)
        except StopIteration:
            break
        except SyncError as exc:  # navigation failed: the page object says where and what
            report.missing.append(Mismatch(exc.page or "?", _what(exc)))
            break
        report.screens.append(screen.page)
        for name, locator in screen.locators.items():
            if not browser.present(locator):
                report.missing.append(Mismatch(screen.page, name, f"{locator[0]}={locator[1]}"))
        if screen.probe is not None:
            try:
                screen.probe()
            except PageChanged as exc:
                report.missing.append(Mismatch(screen.page, _what(exc)))
    log.info(
        "drift check done",
        extra={"step": "drift_check", "portal": portal_name, "count": len(report.missing)},
    )
    return report


def _what(exc: SyncError) -> str:
    fields = getattr(exc, "fields", None)
    return ",".join(fields) if fields else str(exc)


# Sections the generic walk reads, by the ``Portal`` method that reads them.
_READS = (
    ("demographics", "read_demographics"),
    ("guardians", "read_guardians"),
    ("insurance", "read_coverages"),
    ("notes", "read_note_references"),
)


def protocol_walk(portal, mrn: str | None) -> Iterator[Screen]:
    """The walk for an adapter without ``drift_screens``: the ``Portal`` methods, read-only.

    Logging in, a search for a name no chart has, and — given a chart (``CHECK_EMR_ID``)
    — opening it and reading each section the EMR stores. The adapter's page objects
    raise ``PageChanged`` naming the element they miss; no locator list is checked.
    """
    portal.login()
    yield Screen("login", {})
    yield Screen("search", {}, probe=lambda: portal.search("Zzdriftcheck", "Nobody", "1900-01-01"))
    if not mrn:
        return
    if not portal.open_chart(mrn):
        raise ChartNotFound("the drift check's chart does not exist", page="chart")
    yield Screen("chart", {})
    not_stored = getattr(portal, "not_stored", frozenset())
    for section, method in _READS:
        if section not in not_stored:
            yield Screen(section, {}, probe=getattr(portal, method))
