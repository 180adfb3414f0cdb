"""New patient (``/patients/new``): the demographics form without an MRN.

Saving creates the chart and the portal navigates to it; the MRN is read from
the chart header, so the caller is left on the new chart.
"""

from __future__ import annotations

from portal_pages.demo_emr.base import DemoPage
from portal_pages.demo_emr.chart import ChartPage
from portal_pages.demo_emr.demographics import demographics_form
from portal_pages.diff import Values


class NewPatientPage(DemoPage):
    PAGE = "new-patient"
    PATH = "/patients/new"

    def create(self, values: Values) -> ChartPage:
        """Fill and save; return the new chart, loaded. ``PortalRejected`` on 422."""
        self.wait_loaded()
        demographics_form(self).save(values, leaves_page=True)
        chart = ChartPage(self.b)
        chart.wait_loaded()
        self.b.after_load()
        return chart
