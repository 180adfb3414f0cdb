"""GNU Health 5.0 (Tryton 7.0's SAO web client) as an EMR: see ``portal`` for the decisions."""

from portal_pages.gnuhealth.portal import GnuHealthPortal

__all__ = ["GnuHealthPortal"]
