"""The Demo EMR's own settings and value rules: what this portal accepts, checked before it is touched.

The portal's payer dropdown lists a fixed set of payers, its address form is
American (two-letter state codes, ZIP or ZIP+4) and it takes member ids of 5-20
letters and digits (``sandbox/emr_portal/SPEC.md``). These rules used to sit in
the core bundle model; they are this EMR's, so they live here. A bundle that
breaks one is refused as ``InvalidBundle`` before any page loads, naming the
field, never the value.

``EMR_DEMO_PAYERS`` (a JSON list) replaces the payer list, for a portal
configured with other payers.
"""

from __future__ import annotations

import re

from pydantic_settings import BaseSettings, SettingsConfigDict

from portal_pages.core.us import COMMON_PAYERS, US_STATE_NAMES
from syncapp.bundle import PatientBundle

PAYERS = COMMON_PAYERS
US_STATES = frozenset(US_STATE_NAMES)
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_MEMBER_ID = re.compile(r"^[A-Za-z0-9]{5,20}$")


class DemoEmrSettings(BaseSettings):
    """``EMR_DEMO_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="EMR_DEMO_", extra="forbid")

    payers: tuple[str, ...] = PAYERS


def bundle_problems(bundle: PatientBundle, settings: DemoEmrSettings) -> list[tuple[str, str]]:
    """``(field path, why)`` for every value the Demo EMR would refuse."""
    found: list[tuple[str, str]] = []
    address = bundle.patient.address
    if address.state and address.state not in US_STATES:
        found.append(("patient.address.state", "is not a US two-letter state code"))
    if address.postal_code and not _ZIP.match(address.postal_code):
        found.append(("patient.address.postal_code", "is not a valid US ZIP code"))
    for i, coverage in enumerate(bundle.insurance):
        if coverage.payer not in settings.payers:
            found.append((f"insurance.{i}.payer", "is not a payer the portal knows"))
        if not _MEMBER_ID.match(coverage.member_id):
            found.append((f"insurance.{i}.member_id", "must be 5-20 letters and digits"))
    return found
