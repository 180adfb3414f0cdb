"""Page objects for the sandbox "Demo EMR" portal (markup: ``sandbox/emr_portal/SPEC.md``).

Only this package knows the portal's selectors. One module per screen; the
``DemoEmrPortal`` facade composes them into the ``Portal`` protocol.
"""

from portal_pages.demo_emr.portal import DemoEmrPortal

__all__ = ["DemoEmrPortal"]
