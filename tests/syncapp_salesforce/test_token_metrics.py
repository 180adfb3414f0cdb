"""Token refreshes reach the metrics: the last success as a timestamp, failures as a counter."""

from __future__ import annotations

import pytest

from syncapp import steps
from syncapp.errors import ReauthorizationRequired
from syncapp.metrics.record import Metrics, field
from syncapp.metrics.store import SQLiteMetricStore
from syncapp.salesforce import SalesforceClient
from tests.syncapp_salesforce.test_tokens import connected, intake  # noqa: F401 - fixture


@pytest.fixture
def metrics(tmp_path):
    m = Metrics(SQLiteMetricStore(tmp_path / "metrics.sqlite"))
    steps.add_observer(m.on_step)
    yield m
    steps.remove_observer(m.on_step)


def test_refreshes_and_refresh_failures_are_measured(connected, org, settings, metrics):  # noqa: F811
    client = SalesforceClient(settings, connected)
    record_id = org.create_patient(intake())
    org.expire_tokens()
    client.load_bundle(record_id)  # 401, then a refresh that works
    got = metrics.store.all()
    assert got[field("g", "token_last_refresh_timestamp")] > 0
    assert field("c", "token_refresh_failures") not in got

    org.revoke_all()
    with pytest.raises(ReauthorizationRequired):
        client.load_bundle(record_id)
    assert metrics.store.all()[field("c", "token_refresh_failures")] == 1
