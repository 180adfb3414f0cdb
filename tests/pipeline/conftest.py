"""Fixtures for the webhook and queue tests: the real web app on real RabbitMQ and Redis."""

from __future__ import annotations

import pytest

from tests.support.salesforce_messages import ORG_ID
from tests.support.services import clear_redis_namespace, require_rabbitmq, require_redis

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def services(monkeypatch):
    require_rabbitmq()
    require_redis()
    monkeypatch.setenv("SF_ALLOWED_ORG_IDS", ORG_ID)
    monkeypatch.setenv("SF_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SYNC_BACKEND", "external")

    clear_redis_namespace()
    import celeryconfig
    from tasks.topology import declare_all
    from tests.support.broker import take_messages

    declare_all()
    take_messages(celeryconfig.SYNC_QUEUE)  # start empty
    yield celeryconfig
    take_messages(celeryconfig.SYNC_QUEUE)


@pytest.fixture
def client(services):
    from syncapp.web.app import create_app

    return create_app().test_client()
