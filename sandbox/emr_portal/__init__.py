"""Demo EMR: a stand-in for a clinic's EMR web portal that has no API (see SPEC.md)."""

from .app import create_app
from .config import PortalConfig

__all__ = ["PortalConfig", "create_app"]
