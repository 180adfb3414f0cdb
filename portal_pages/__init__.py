"""Drive the EMR portal's web UI: find or create a chart and bring it to a patient bundle.

``PortalClient`` is the entry point the workers use; ``portal_pages.core`` is
the portal-independent machinery and each adapter package (``demo_emr``) holds
one portal's page objects, chosen by ``EMR_PORTAL``.
"""

from portal_pages.client import PortalClient
from portal_pages.result import UpsertResult

__all__ = ["PortalClient", "UpsertResult"]
