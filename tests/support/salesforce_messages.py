"""Salesforce's inbound messages as Salesforce sends them (shared with the benchmarks)."""

from tests.support.fixtures import ORG_ID, outbound_message, sf_id, signed_event

__all__ = ["ORG_ID", "outbound_message", "sf_id", "signed_event"]
