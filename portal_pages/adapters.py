"""Which portal we drive, chosen by ``EMR_PORTAL``, and what every adapter must offer.

The sync logic (``portal_pages.sync``) speaks only the ``Portal`` protocol
below, in the portal-independent value shape of ``portal_pages.diff``; an
adapter package turns each call into clicks on its vendor's screens. Adding a
portal = a new package implementing ``Portal`` + one line in ``ADAPTERS``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from portal_pages.core.browser import Browser
from portal_pages.diff import GuardianRow, Values
from syncapp.settings import Settings

# name -> "module:class"; imported lazily so that a broken adapter cannot break the others.
ADAPTERS = {
    "demo_emr": "portal_pages.demo_emr:DemoEmrPortal",
}


class UnknownPortal(ValueError):
    """Raised when ``EMR_PORTAL`` names no known adapter (a configuration error)."""


class Portal(Protocol):
    """One logged-in portal session, driven through its UI. Methods raise ``SyncError``s."""

    name: str

    def __init__(self, browser: Browser, settings: Settings) -> None: ...

    def login(self) -> None:
        """Log in (the browser may be anywhere); ``PortalRejected`` on bad credentials."""

    def recover(self, mrn: str | None) -> None:
        """After a retryable failure: logged in, unlocked, and on ``mrn``'s chart (or search)."""

    def open_chart(self, mrn: str) -> bool:
        """Open a chart by EMR id; ``False`` if the portal does not know it."""

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        """EMR ids of charts matching exactly (case-insensitive); DOB is ISO."""

    def create_patient(self, demographics: Values) -> str:
        """Create a chart from demographics; return its EMR id, the chart left open."""

    def read_demographics(self) -> Values: ...

    def write_demographics(self, changes: Values) -> None: ...

    def read_guardians(self) -> list[GuardianRow]: ...

    def add_guardian(self, values: Values) -> None: ...

    def update_guardian(self, row_id: str, changes: Values) -> None: ...

    def remove_guardian(self, row_id: str) -> None: ...

    def read_coverages(self) -> dict[str, Values | None]:
        """Per rank (``primary``/``secondary``) the coverage's values, ``None`` when absent."""

    def write_coverage(self, rank: str, values: Values) -> None: ...

    def remove_coverage(self, rank: str) -> None: ...

    def read_note_references(self) -> set[str]: ...

    def add_note(self, values: Values) -> None: ...


def get_adapter(name: str) -> type[Portal]:
    """The adapter class registered under ``name``; ``UnknownPortal`` otherwise."""
    target = ADAPTERS.get(name)
    if target is None:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownPortal(f"unknown EMR_PORTAL {name!r}; known portals: {known}")
    module, _, cls = target.partition(":")
    return getattr(import_module(module), cls)
