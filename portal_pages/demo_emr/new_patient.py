"""New patient (``/patients/new``): the demographics form without an MRN.

Saving creates the chart and the portal opens its address, ``/patients/<mrn>``:
the MRN is taken from that address the moment it is there, before the chart has
loaded or its header been read, so that nothing after the portal's Save (a slow
chart, a drifted header, a killed worker) can lose the id of a chart that
exists. The caller is left on the new chart.
"""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.chart import ChartPage
from portal_pages.demo_emr.demographics import demographics_form
from portal_pages.diff import Values


class NewPatientPage(DemoPage):
    name = "new-patient"
    PATH = "/patients/new"

    def create(self, values: Values, assigned: Callable[[str], None] | None = None) -> ChartPage:
        """Fill and save; return the new chart, loaded. ``PortalRejected`` on 422.

        ``assigned(mrn)`` is called as soon as the portal has opened the new chart's
        address, before anything else is waited for.
        """
        demographics_form(self).save(values, leaves_page=True)
        mrn = self._opened_mrn()
        if mrn and assigned is not None:
            assigned(mrn)
        chart = ChartPage(self.browser, mrn)
        chart.wait_loaded()
        self.browser.after_load()
        return chart

    def _opened_mrn(self) -> str | None:
        """The MRN in the address the portal went to after Save (``None``: not a chart's)."""

        def left(d: WebDriver) -> str | None:
            url = d.current_url
            return None if url.split("?")[0].endswith(self.PATH) else url

        return ChartPage.mrn_in_address(self.browser.wait_for(left, "the new chart's address"))
