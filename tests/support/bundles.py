"""Patient bundles for tests (shared with the demo and the benchmarks)."""

from tests.support.fixtures import make_bundle, normalise, sf_id, with_ids, without_ids

__all__ = ["make_bundle", "normalise", "sf_id", "with_ids", "without_ids"]
