"""Helpers shared by the test suite: service probes and server processes."""
