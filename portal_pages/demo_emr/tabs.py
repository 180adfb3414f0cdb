"""Tab name -> page object class, for ``ChartPage.open_tab``."""

from __future__ import annotations

from portal_pages.demo_emr.demographics import DemographicsTab
from portal_pages.demo_emr.guardians import GuardiansTab
from portal_pages.demo_emr.insurance import InsuranceTab
from portal_pages.demo_emr.notes import NotesTab

TAB_CLASSES = {
    "demographics": DemographicsTab,
    "guardians": GuardiansTab,
    "insurance": InsuranceTab,
    "notes": NotesTab,
}
