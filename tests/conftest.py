"""Suite-wide fixtures. Each area keeps its own fixtures in ``tests/<area>/conftest.py``."""

from __future__ import annotations

import pytest

from syncapp.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are cached per process; every test starts from the environment it sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
