"""The shared token: expiry recovered by refresh, one refresh across processes, revocation."""

from __future__ import annotations

import threading

import pytest

from syncapp.backend import open_store, resolve
from syncapp.errors import ReauthorizationRequired
from syncapp.salesforce import SalesforceClient
from syncapp.tokens import TokenStore, connect_with_password
from tests.syncapp_salesforce.conftest import connect_through_browser
from tests.syncapp_salesforce.samples import intake


class CountingStore:
    """A store proxy that counts writes of one key: each write is one token grant."""

    def __init__(self, inner, key: str, counter: list[int]) -> None:
        self.inner, self.key, self.counter = inner, key, counter

    def set(self, key, value, ttl=None):
        if key == self.key:
            self.counter.append(1)
        return self.inner.set(key, value, ttl)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def connected(app, org, tokens):
    connect_through_browser(app.test_client(), org)
    return tokens


def test_expiry_mid_run_is_recovered_by_a_refresh(connected, org, settings):
    client = SalesforceClient(settings, connected)
    record_id = org.create_patient(intake())
    before = connected.load()
    client.load_bundle(record_id)

    org.expire_tokens()

    assert client.load_bundle(record_id)["patient"]["first_name"] == "Zoë"
    after = connected.load()
    assert after.access_token != before.access_token
    assert after.refresh_token == before.refresh_token  # Salesforce sends no new one


def test_concurrent_workers_refresh_once(connected, org, settings, namespace):
    record_id = org.create_patient(intake())
    grants: list[int] = []
    workers = []
    for _ in range(4):
        # A store connection of its own per worker, as separate processes would have.
        store = CountingStore(open_store(resolve(settings), settings), connected.key, grants)
        workers.append(SalesforceClient(settings, TokenStore(store, settings, namespace=namespace)))
    org.expire_tokens()
    barrier = threading.Barrier(len(workers))
    results: list[object] = []

    def run(client: SalesforceClient) -> None:
        barrier.wait()
        try:
            results.append(client.load_bundle(record_id)["salesforce_id"])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(results) == 4 and all(isinstance(r, str) for r in results), results
    assert len(grants) == 1


def test_a_revoked_refresh_token_needs_reauthorisation(connected, org, settings):
    client = SalesforceClient(settings, connected)
    record_id = org.create_patient(intake())
    org.revoke_all()

    with pytest.raises(ReauthorizationRequired, match="/oauth/login") as info:
        client.load_bundle(record_id)
    assert info.value.retryable is False
    assert connected.load() is None  # the stale token is gone: status says "not connected"
    with pytest.raises(ReauthorizationRequired, match="/oauth/login"):
        client.load_bundle(record_id)


def test_no_token_and_no_password_grant_needs_reauthorisation(settings, tokens):
    with pytest.raises(ReauthorizationRequired, match="/oauth/login"):
        SalesforceClient(settings, tokens).load_bundle("a00000000000001AAA")


def test_password_grant_reconnects_on_expiry(org, settings, namespace, monkeypatch):
    monkeypatch.setenv("SF_USERNAME", "integration@clinic.example")
    monkeypatch.setenv("SF_PASSWORD", "sandbox-password")
    from syncapp.settings import Settings

    script_settings = Settings()
    tokens = TokenStore(
        open_store(resolve(settings), settings), script_settings, namespace=namespace
    )
    first = connect_with_password(script_settings, tokens)
    assert first.refresh_token is None
    client = SalesforceClient(script_settings, tokens)
    record_id = org.create_patient(intake())
    client.load_bundle(record_id)

    org.expire_tokens()

    client.load_bundle(record_id)
    assert tokens.load().access_token != first.access_token


def test_password_grant_token_without_username_needs_reauthorisation(
    org, settings, tokens, monkeypatch
):
    monkeypatch.setenv("SF_USERNAME", "integration@clinic.example")
    monkeypatch.setenv("SF_PASSWORD", "sandbox-password")
    from syncapp.settings import Settings

    connect_with_password(Settings(), tokens)
    record_id = org.create_patient(intake())
    org.expire_tokens()
    with pytest.raises(ReauthorizationRequired, match="/oauth/login"):
        SalesforceClient(settings, tokens).load_bundle(record_id)


def test_the_token_is_stored_encrypted(connected, settings):
    raw = connected.store.get(connected.key)
    token = connected.load()
    assert raw is not None and token.access_token.encode() not in raw
    assert token.refresh_token.encode() not in raw and b"instance_url" not in raw
