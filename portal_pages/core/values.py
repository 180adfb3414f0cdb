"""Values between a portal's widgets and the sync's shape: dates, and "did it keep what we sent".

The sync speaks ISO dates; portals show them in their user's format
(``MM/DD/YYYY`` in the Demo EMR and in Tryton's ``en`` locale). After a save,
what the portal shows is what its server stored, and it must be what we sent:
a difference is a normalisation the sync does not know about, reported by
field name rather than looped on forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from portal_pages.diff import Value, Values, field_changes
from syncapp.errors import PortalRejected

US_DATE = "%m/%d/%Y"


def to_portal_date(iso: str, fmt: str = US_DATE) -> str:
    """ISO ``YYYY-MM-DD`` to the portal's display format; ``""`` stays ``""``."""
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return d.strftime(fmt.replace("%Y", f"{d.year:04d}"))  # strftime drops %Y's zero padding


def from_portal_date(text: str, fmt: str = US_DATE) -> str:
    """The portal's display format to ISO; anything else is returned as is (a difference)."""
    if not text:
        return ""
    try:
        return datetime.strptime(text.strip(), fmt).date().isoformat()
    except ValueError:
        return text


def verify_saved(
    actual: Values, expected: Mapping[str, Value], what: str, page: str | None
) -> None:
    """``PortalRejected`` naming the fields whose stored value differs from what was sent."""
    off = sorted(field_changes(actual, expected))
    if off:
        raise PortalRejected(
            f"{what}: the portal stored different values than sent", page=page, fields=off
        )
