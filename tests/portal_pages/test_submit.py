"""A save is one round trip: fill, click and the in-page wait for the outcome in one command.

Counted in WebDriver commands on the real Demo EMR (timing is not asserted): a
one-field update sends a single asynchronous script for the save, and the
failure paths keep their error kinds (a refused value, a 423 answered by the
lock screen, nothing to write).
"""

from __future__ import annotations

from datetime import date

import pytest

from portal_pages.demo_emr.demographics import DemographicsTab
from portal_pages.demo_emr.guardians import GuardiansTab
from portal_pages.demo_emr.insurance import InsuranceTab
from syncapp.errors import PortalRejected

from .conftest import chart_of, full_bundle
from .test_round_trips import counted

pytestmark = pytest.mark.browser


def test_a_one_field_save_is_one_command_plus_one_lookup(client, portal):
    mrn = client.upsert(full_bundle()).emr_patient_id
    adapter = client.session()
    adapter.open_chart(mrn)
    tab = adapter.chart.open_tab(DemographicsTab)
    with counted(client.driver) as sent:
        written = tab.form.save({"phone": "(555) 010-7777"})
    print(f"\nsave commands: {len(sent)} {sent}")
    assert written == ["phone"]
    assert sent.count("w3cExecuteScriptAsync") == 1  # fill + click + wait, in the page
    # the form found (region root and form in one command); no polling, no separate guard
    assert len(sent) == 2, sent
    assert chart_of(portal, mrn)["patient"]["phone"] == "(555) 010-7777"


def test_nothing_to_write_submits_nothing(client, portal):
    bundle = full_bundle()
    mrn = client.upsert(bundle).emr_patient_id
    writes = len(portal.writes())
    assert client.upsert(bundle, emr_patient_id=mrn).changed_fields == []
    assert len(portal.writes()) == writes


def test_a_refused_value_is_still_portal_rejected_with_the_field(client, portal):
    bundle = full_bundle()
    bundle.insurance[0].effective_date = date(1899, 1, 1)
    with pytest.raises(PortalRejected) as info:
        client.upsert(bundle)
    assert info.value.fields == ["effective_date"] and "1899" not in str(info.value)


def _guardian(first_name: str) -> dict:
    return {
        "first_name": first_name,
        "last_name": "Nwosu",
        "relationship": "other",
        "phone": "(555) 010-2323",
        "email": "",
        "is_primary": False,
    }


def _guardian_names(portal, mrn: str) -> list[str]:
    return sorted(g["first_name"] for g in chart_of(portal, mrn)["guardians"])


def test_a_dialog_is_opened_filled_and_saved_in_one_command(client, portal):
    mrn = client.upsert(full_bundle()).emr_patient_id
    before = _guardian_names(portal, mrn)
    tab = _opened(client, mrn, GuardiansTab)
    with counted(client.driver) as sent:
        tab.add(_guardian("Adaeze"))
    assert sent.count("w3cExecuteScriptAsync") == 1  # click Add, wait, fill, save, wait
    assert len(sent) == 2, sent  # and the table read back to verify
    assert _guardian_names(portal, mrn) == sorted([*before, "Adaeze"])


def test_a_dialog_left_open_is_filled_not_opened_again(client, portal):
    mrn = client.upsert(full_bundle()).emr_patient_id
    before = _guardian_names(portal, mrn)
    tab = _opened(client, mrn, GuardiansTab)
    client.driver.execute_script("document.querySelector('#guardian-add').click();")
    tab.add(_guardian("Chidi"))  # Add is covered by the open dialog: clicking it would wait
    assert _guardian_names(portal, mrn) == sorted([*before, "Chidi"])


def test_a_coverage_is_saved_and_verified_in_two_commands(client, portal):
    mrn = client.upsert(full_bundle()).emr_patient_id
    tab = _opened(client, mrn, InsuranceTab)
    with counted(client.driver) as sent:
        tab.write("primary", {"member_id": "W555000111"})
    assert sent == ["w3cExecuteScriptAsync", "w3cExecuteScript"], sent  # save; both cards read
    assert chart_of(portal, mrn)["insurance"][0]["member_id"] == "W555000111"


def _opened(client, mrn: str, tab):
    adapter = client.session()
    adapter.open_chart(mrn)
    return adapter.chart.open_tab(tab)
