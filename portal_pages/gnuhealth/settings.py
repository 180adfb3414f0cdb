"""What this adapter needs to know about one GNU Health installation, and its value rules.

``EMR_GNUHEALTH_*`` variables (validated at start-up, unknown ones refused):
the database SAO logs into, and the payer map: Salesforce's payer name -> the
name of the insurance-company party in GNU Health (an insurer there is a party,
created by the clinic; ``make gnuhealth`` creates one per default payer).

US states are stored as the address's *subdivision* (a many2one to the
country's subdivisions, shown by name), so the two-letter code is mapped to
and from the name here.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal_pages.core.us import COMMON_PAYERS, US_STATE_NAMES
from syncapp.bundle import PatientBundle

US_STATES = US_STATE_NAMES
STATE_CODES = {name: code for code, name in US_STATES.items()}


class GnuHealthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMR_GNUHEALTH_", extra="forbid")

    database: str = "health"
    country: str = "United States"  # the country party addresses are in
    form_view: int = 143  # id of the party form view (Administration > User Interface > Views)
    payers: dict[str, str] = Field(default_factory=lambda: {p: p for p in COMMON_PAYERS})

    def insurer(self, payer: str) -> str:
        """The insurer party's name for a Salesforce payer (``KeyError``: not mapped)."""
        return self.payers[payer]

    def payer(self, insurer: str) -> str:
        """Back from the party name; an unmapped insurer reads as itself (a difference)."""
        return next((p for p, name in self.payers.items() if name == insurer), insurer)


def bundle_problems(bundle: PatientBundle, settings: GnuHealthSettings) -> list[tuple[str, str]]:
    """Payers outside the map and states that are not US codes, refused before the portal."""
    found = [
        (f"insurance.{i}.payer", "is not in the GNU Health payer map")
        for i, c in enumerate(bundle.insurance)
        if c.payer not in settings.payers
    ]
    state = bundle.patient.address.state
    if state and state.upper() not in US_STATES:
        found.append(("patient.address.state", "is not a US two-letter state code"))
    return found
