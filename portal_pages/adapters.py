"""Which portal we drive, chosen by ``EMR_PORTAL``, and what every adapter must offer.

The sync logic (``portal_pages.sync``) speaks only the ``Portal`` protocol
below, in the portal-independent value shape of ``portal_pages.diff``; an
adapter package turns each call into clicks on its vendor's screens. Adding a
portal = a new package implementing ``Portal`` + one line in ``ADAPTERS``.

Besides its methods an adapter declares, as class attributes:

* ``not_stored``: what its EMR has nowhere to put — a section (``"guardians"``)
  or a field (``"demographics.middle_name"``, ``"insurance.group_number"`` for
  every rank). The diff never counts those as differences, the sync never
  reads or writes them, and the result names them (``UpsertResult.not_stored``)
  so Salesforce staff see what is not in the EMR.
* ``settings_class``: a pydantic-settings class for its own variables, with the
  env prefix registered below (``EMR_DEMO_``, ``EMR_GNUHEALTH_``); validated at
  start-up together with a refusal of any ``EMR_*`` variable nobody reads.
* ``bundle_problems(bundle)``: its EMR's value rules (payer list or map,
  address formats, member-id patterns), checked before the portal is touched;
  any problem is an ``InvalidBundle`` (permanent, field names only).
* ``saves_once``: ``True`` when ``write_*`` calls only stage changes on the open
  chart and ``save()`` stores them all in one round trip.
* ``reports_assigned_ids``: ``True`` when ``create_patient`` and ``save`` take
  ``assigned``, a callback they call with a new chart's EMR id the moment the EMR
  has assigned it (before anything else they do can fail). The sync remembers
  the id there, so a create that fails or is killed after the EMR's save is
  resumed on that chart by id. Without it the id is remembered only once they
  return: a failure in between leaves a chart found again only by name + DOB.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import ClassVar, Protocol

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from portal_pages.core.browser import Browser
from portal_pages.diff import GuardianRow, Values
from portal_pages.drift import Screen
from syncapp.bundle import PatientBundle
from syncapp.errors import InvalidBundle
from syncapp.settings import Settings


@dataclass(frozen=True)
class Adapter:
    """Where an adapter lives (imported lazily: a broken one cannot break the others)."""

    target: str  # "module:class"
    env_prefix: str  # its own variables, e.g. EMR_DEMO_PAYERS


ADAPTERS = {
    "demo_emr": Adapter("portal_pages.demo_emr:DemoEmrPortal", "EMR_DEMO_"),
    "gnuhealth": Adapter("portal_pages.gnuhealth:GnuHealthPortal", "EMR_GNUHEALTH_"),
}
# EMR_* variables read by others: the sandbox portal's own configuration, and the
# port ``make up`` (scripts/stack.py) starts it on.
FOREIGN_PREFIXES = ("EMR_SANDBOX_",)
FOREIGN_NAMES = frozenset({"EMR_PORT"})


class UnknownPortal(ValueError):
    """Raised when ``EMR_PORTAL`` names no known adapter (a configuration error)."""


class AdapterConfigError(ValueError):
    """Raised at start-up when ``EMR_*`` variables are unknown or an adapter's are invalid."""


class Portal(Protocol):
    """One logged-in portal session, driven through its UI. Methods raise ``SyncError``s."""

    name: str
    not_stored: ClassVar[frozenset[str]]
    settings_class: ClassVar[type[BaseSettings] | None]
    saves_once: ClassVar[bool]
    reports_assigned_ids: ClassVar[bool]

    def __init__(self, browser: Browser, settings: Settings) -> None: ...

    @classmethod
    def bundle_problems(cls, bundle: PatientBundle) -> list[tuple[str, str]]:
        """``(field path, why)`` for each value this EMR cannot take; ``[]`` when all fit."""

    def login(self) -> None:
        """Log in (the browser may be anywhere); ``PortalRejected`` on bad credentials."""

    def recover(self, mrn: str | None) -> None:
        """After a retryable failure: logged in, unlocked, and on ``mrn``'s chart (or search)."""

    def open_chart(self, mrn: str) -> bool:
        """Open a chart by EMR id, directly (a deep link, never a search); ``False`` if unknown."""

    def search(self, last_name: str, first_name: str, date_of_birth: str) -> list[str]:
        """EMR ids of charts matching exactly (case-insensitive); DOB is ISO.

        With exactly one match, that chart is left open: the sync does not open it again.
        """

    def create_patient(
        self, demographics: Values, *, assigned: Callable[[str], None] | None = None
    ) -> str:
        """Create a chart from demographics; return its EMR id, the chart left open.

        A ``saves_once`` adapter may return ``""`` and only stage the new chart:
        ``save()`` then stores it with every section and returns its EMR id.
        ``assigned`` (only with ``reports_assigned_ids``): called with the EMR id as
        soon as the EMR has given it, before anything that may still fail.
        """

    def save(self, *, assigned: Callable[[str], None] | None = None) -> str:
        """``saves_once`` adapters: store what was staged; return the chart's EMR id.

        ``assigned`` as for ``create_patient``, when this save creates the chart.
        """

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

    def drift_screens(self, mrn: str | None) -> Iterator[Screen]:
        """Read-only walk for ``python -m portal_pages check`` (``portal_pages.drift``).

        From a fresh, logged-out browser: the login screen, then (logged in) search,
        the chart ``mrn`` (or the first chart), each tab; yield a ``Screen`` when each
        is shown. Raise the usual ``SyncError`` when a screen cannot be reached. Never
        saves anything. Optional: without it the check uses ``drift.protocol_walk``
        (the protocol's own read methods, no locator list).
        """


def get_adapter(name: str) -> type[Portal]:
    """The adapter class registered under ``name``; ``UnknownPortal`` otherwise."""
    adapter = ADAPTERS.get(name)
    if adapter is None:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownPortal(f"unknown EMR_PORTAL {name!r}; known portals: {known}")
    module, _, cls = adapter.target.partition(":")
    return getattr(import_module(module), cls)


# --- what an adapter declares, with the defaults of an adapter that declares nothing ---------
def not_stored(portal: type[Portal] | Portal) -> frozenset[str]:
    return frozenset(getattr(portal, "not_stored", frozenset()))


def saves_once(portal: type[Portal] | Portal) -> bool:
    return bool(getattr(portal, "saves_once", False))


def reports_assigned_ids(portal: type[Portal] | Portal) -> bool:
    cls = portal if isinstance(portal, type) else type(portal)  # a class attribute, or none
    return bool(getattr(cls, "reports_assigned_ids", False))


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``EMR_*`` names that neither ``Settings`` nor any adapter reads, with a suggestion each."""
    core = {f"EMR_{n[4:]}".upper() for n in Settings.model_fields if n.startswith("emr_")}
    prefixes = tuple(a.env_prefix for a in ADAPTERS.values()) + FOREIGN_PREFIXES
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("EMR_") or upper in core or upper in FOREIGN_NAMES:
            continue
        if upper.startswith(prefixes):
            continue
        close = difflib.get_close_matches(upper, sorted(core), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"unknown variable {name}{hint}")
    return problems


def check_configuration(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> BaseSettings | None:
    """At start-up: refuse unknown ``EMR_*`` variables, validate the adapter's own settings.

    Returns the adapter's settings (``None`` if it has none); raises
    ``UnknownPortal`` or ``AdapterConfigError`` with one line per problem
    (variable names and pydantic's reasons, never values).
    """
    environ = os.environ if environ is None else environ
    portal_cls = get_adapter(settings.emr_portal)
    problems = unknown_variables(environ)
    options = None
    settings_class = getattr(portal_cls, "settings_class", None)
    if settings_class is not None:
        # pydantic-settings ignores unknown names under its prefix: a typo would be lost.
        prefix = ADAPTERS[settings.emr_portal].env_prefix
        own = {f"{prefix}{name}".upper() for name in settings_class.model_fields}
        for name in sorted(environ):
            if name.upper().startswith(prefix) and name.upper() not in own:
                close = difflib.get_close_matches(name.upper(), sorted(own), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                problems.append(f"unknown variable {name}{hint}")
        try:
            options = settings_class()
        except ValidationError as exc:
            prefix = ADAPTERS[settings.emr_portal].env_prefix
            for err in exc.errors(include_input=False, include_url=False):
                field = ".".join(str(p) for p in err["loc"])
                problems.append(f"{prefix}{field.upper()}: {err['msg']}")
        except SettingsError as exc:  # a complex value (list, map) that is not valid JSON
            prefix = ADAPTERS[settings.emr_portal].env_prefix
            field = str(exc).split('"')[1] if '"' in str(exc) else "?"
            problems.append(f"{prefix}{field.upper()}: not valid JSON")
    if problems:
        raise AdapterConfigError(
            f"EMR configuration refused ({settings.emr_portal}): " + "; ".join(problems)
        )
    return options


def check_bundle(
    portal_cls: type[Portal], bundle: PatientBundle, record_id: str | None = None
) -> None:
    """The adapter's value rules; ``InvalidBundle`` naming each field before any write."""
    rules = getattr(portal_cls, "bundle_problems", None)
    found = rules(bundle) if rules is not None else []
    if found:
        raise InvalidBundle(
            "Invalid patient data for this EMR: " + "; ".join(f"{f} {why}" for f, why in found),
            record_id=record_id,
            fields=[f for f, _ in found],
        )
