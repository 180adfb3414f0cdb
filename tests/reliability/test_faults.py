"""Faults against real processes, each scenario ending in a full reconciliation.

Nothing lost, nothing duplicated, nothing wrong, nothing left running: see
``tests/reliability/conftest.py`` for the runner and ``docs/RELIABILITY.md``
for the measured table. ``make chaos`` runs these with ``CHAOS_TRIALS=50``;
``make test`` runs the worker kills (a few trials) and ``make test-long`` (in
CI, after ``make test``) the other scenarios, which take minutes each.
"""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest

from tasks.policy import shortest_retry_span
from tests.pipeline.own_redis import own_redis
from tests.support.broker import queue_depth
from tests.support.bundles import make_bundle, normalise, with_ids
from tests.support.procs import children_by_parent
from tests.support.proxy import Proxy
from tests.support.quiet import worker_events
from tests.support.servers import wait_until

from .conftest import trials

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SLOW_EMR = {"EMR_SANDBOX_LATENCY_MS": "100"}  # a sync lasts seconds: kills land mid-sync
# The sandbox portal's drift knob renames the chart header's MRN element (``#chart-mrn``).
DRIFT_REASON = (
    "expected element missing: chart MRN (id=chart-mrn) [page=chart, step=create_patient]"
)
# Connected through the OAuth web flow only (a refresh token), no password grant to fall back on.
OAUTH_ONLY = {"SF_USERNAME": "", "SF_PASSWORD": ""}
REAUTH = "reauthorization_required"
UNTOLD = "Salesforce could not be told"  # the report task's last word when it cannot report


def _pool_children(worker_pid: int) -> list[int]:
    return children_by_parent().get(worker_pid, [])


def _assert_clean(tally) -> None:
    assert tally.clean, f"{tally.as_dict()}: {tally.problems[:5]}"


@pytest.mark.timeout(600 + 60 * trials())
def test_worker_sigkill_at_random_moments(scenario):
    """Pool child and whole worker, alternately, SIGKILLed while patients are created and edited."""
    s = scenario("worker-kill", emr_env=SLOW_EMR)
    s.stack.start()
    bundles = {}
    for i in range(trials()):
        bundle = make_bundle(100 + i, notes=2)
        bundles[s.create(bundle)] = bundle
        if i % 3 == 2:  # an edit of an earlier patient, in flight when the kill comes
            record_id = s.records[i - 2]
            edited = with_ids(bundles[record_id], s.ids[record_id])
            edited["patient"]["phone"] = f"(555) 600-{i:04d}"
            s.create_patient(edited)
            bundles[record_id] = edited
        wait_until(lambda: s.stack.log("worker").count("sync started") > 0, timeout=60)
        time.sleep(s.rng.uniform(0.2, 3.0))  # the fault's random moment, not a synchronisation
        reported = len(s.callbacks())
        worker = s.stack.processes["worker"]
        if i % 2 == 0:
            for pid in _pool_children(worker.pid):
                os.kill(pid, signal.SIGKILL)
        else:
            s.stack.stop_process("worker", sig=signal.SIGKILL)
            s.stack.start_worker("worker")
        s.faults += 1
        # Some work completes between two kills, as between real crashes; otherwise the
        # job at the head of the queue would be killed every time, a poison job by design.
        wait_until(
            lambda n=reported: len(s.callbacks()) > n or s.finished(),
            timeout=300,
            what="a job to finish between kills",
            interval=0.3,
        )
    s.quiet()
    s.all_final()
    _assert_clean(s.finish())


@pytest.mark.long
@pytest.mark.timeout(900 + 60 * trials())
def test_broker_connections_cut_mid_burst(scenario):
    """Every broker connection of the stack (web app and worker) cut three times during a burst."""
    proxy = Proxy(5672)
    try:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}//"
        s = scenario("broker-cut", extra_env={"CELERY_BROKER_URL": url})
        s.stack.start()
        for i in range(max(10, trials())):
            s.create(make_bundle(200 + i, notes=1))
            if i % 3 == 2:
                # After a cut the worker and the publisher reconnect on their own schedule;
                # cut again only once something is connected through the proxy again.
                wait_until(lambda: proxy.live() > 0, timeout=60, what="a broker connection")
                assert proxy.cut() > 0  # the stack's connections really went through it
                s.faults += 1
        s.quiet()
        s.all_final()
        _assert_clean(s.finish())
    finally:
        proxy.close()


@pytest.mark.long
def test_redis_lost_and_back(scenario, tmp_path):
    """The stack's own Redis killed mid-burst, started again (empty) 10 seconds later."""
    with own_redis(tmp_path) as own:
        s = scenario("redis-lost", extra_env={"REDIS_URL": own.url})
        s.stack.start()
        for i in range(10):
            s.create(make_bundle(300 + i, notes=1))
            if i == 4:
                own.stop()
                s.faults += 1
                time.sleep(10)  # the outage's length, not a synchronisation
                own.start()
        s.all_final()
        s.quiet()
        _assert_clean(s.finish())


@pytest.mark.long
def test_org_down_mid_burst(scenario):
    """Salesforce answers 503 to everything for 20 seconds while ten patients sync.

    The promise is that retries outlast a realistic outage, so the scenario's retry
    budget must, with every jitter at its lowest: the suite's short backoff (1 s
    doubling to 5 s) over the default 8 retries can be spent in 16 s, and once was.
    """
    outage = 20
    s = scenario("org-down", extra_env={"SYNC_MAX_RETRIES": "20"})
    env = s.stack.extra_env  # the backoff the scenario's workers really run with
    least = shortest_retry_span(
        SimpleNamespace(
            sync_max_retries=int(env["SYNC_MAX_RETRIES"]),
            sync_retry_backoff_base=float(env["SYNC_RETRY_BACKOFF_BASE"]),
            sync_retry_backoff_max=float(env["SYNC_RETRY_BACKOFF_MAX"]),
        )
    )
    assert least > 2 * outage, least
    s.stack.start()
    for i in range(10):
        s.create(make_bundle(400 + i, notes=1))
        if i == 2:
            s.org_control("down", {"seconds": outage})
            s.faults += 1
    s.all_final()
    s.quiet()
    _assert_clean(s.finish())


@pytest.mark.long
@pytest.mark.timeout(900 + 60 * trials())
def test_portal_errors_lock_screen_and_session_expiry(scenario):
    """The portal fails 20 % of requests, locks after 3 s idle and ends sessions after 20 s."""
    s = scenario("portal-faults")
    s.stack.start()
    s.emr_faults(error_rate=0.2, idle_lock_seconds=3, session_seconds=20)
    for i in range(max(6, trials())):
        s.create(make_bundle(500 + i, notes=2))
    s.all_final()
    s.quiet()
    s.emr_faults(error_rate=0.0)
    s.faults = len(s.records)
    _assert_clean(s.finish())


@pytest.mark.long
def test_same_patient_entered_twice(scenario):
    """Staff enter the same child twice: one chart; the second record is told why (an id)."""
    s = scenario("same-patient-twice")
    s.stack.start()
    bundle = make_bundle(600, notes=2)
    first = s.create(bundle)
    wait_until(lambda: s.sf_patient(first)["sync"]["status"] == "Synced", timeout=180)
    second = s.create(bundle)
    s.expect_failed[second] = first
    s.faults = 1
    s.all_final()
    s.quiet()
    _assert_clean(s.finish())


def _patient_values(bundle: dict) -> list[str]:
    """The patient's own values that must never appear in a failure reason or a log."""
    p = bundle["patient"]
    return [p["first_name"], p["last_name"], p["date_of_birth"], p["phone"], p["email"]]


def _events(s, record_id: str, *messages: str) -> list[dict]:
    return [
        e
        for e in worker_events(s.stack.run_dir)
        if e.get("record_id") == record_id and e.get("msg") in messages
    ]


@pytest.mark.long
def test_selector_drift_mid_burst(scenario):
    """The portal renames the chart header's MRN element mid-burst, then the operator resyncs.

    Creating a chart needs that element (the new chart's MRN is read from it); editing
    a chart opened by its MRN does not. So every create under the drift must stop at
    once with a permanent ``PageChanged`` naming the page object and its selector,
    Salesforce told ``Failed``, and nothing written after the failure: the chart the
    portal made on Save holds the new-patient form's demographics and nothing else
    (the portal creates it before the MRN can be read, so no chart at all is not a
    promise the product can keep). The edits sync. With the drift off, ``resync
    --failed`` finds each half-written chart by name + DOB and completes it, no twin.
    """
    s = scenario("selector-drift")
    s.stack.start()
    bundles: dict[str, dict] = {}
    for i in range(2):  # synced before the drift, edited while it lasts
        bundle = make_bundle(700 + i, notes=1)
        bundles[s.create(bundle)] = bundle
    s.all_final()
    earlier = list(s.records)

    s.emr_faults(drift=1)
    s.faults = 1
    creates = []
    for i in range(4):
        bundle = make_bundle(710 + i, notes=1)
        creates.append(s.create(bundle))
        bundles[creates[-1]] = bundle
        if i == 1:
            for k, record_id in enumerate(earlier):
                edited = with_ids(bundles[record_id], s.ids[record_id])
                edited["patient"]["phone"] = f"(555) 700-{k:04d}"
                s.create_patient(edited)
                bundles[record_id] = edited
    s.quiet()
    s.all_final()

    assert [r for r in earlier if s.sf_patient(r)["sync"]["status"] == "Synced"] == earlier
    charts = s.charts()
    writes = s.writes()
    for record_id in creates:
        sync = s.sf_patient(record_id)["sync"]
        assert sync["status"] == "Failed", (record_id, sync)
        reason = sync["error"] or ""
        assert DRIFT_REASON in reason, reason  # the page, the selector, the step
        assert not any(v in reason for v in _patient_values(bundles[record_id])), reason
        assert _events(s, record_id, "sync failed for good")[0]["kind"] == "page_changed"
        assert not _events(s, record_id, "sync will retry", "retrying step"), "retried"
        # Nothing written after the failure: the chart Save made, demographics only.
        p = bundles[record_id]["patient"]
        made = [
            c
            for c in charts
            if (c["patient"]["last_name"], c["patient"]["date_of_birth"])
            == (p["last_name"], p["date_of_birth"])
        ]
        assert len(made) == 1, f"{len(made)} charts for {record_id}"
        chart = normalise(made[0])
        assert chart["patient"] == normalise(bundles[record_id])["patient"]
        assert not (chart["guardians"] or chart["insurance"] or chart["notes"]), chart
        sections = {
            w["section"] for w in writes if w["emr_patient_id"] == made[0]["emr_patient_id"]
        }
        assert sections == {"demographics"}, sections
    log = s.stack.log("worker")
    assert not any(v in log for r in creates for v in _patient_values(bundles[r])[1:])

    listed = s.celery("resync", "--failed", "--list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    for record_id in creates:
        assert f"record={record_id} task=tasks.sync_patient kind=page_changed" in listed.stdout

    s.emr_faults(drift=0)
    resynced_at = time.time()
    replay = s.celery("resync", "--failed")
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert all(f"enqueued {r}" in replay.stdout for r in creates), replay.stdout
    wait_until(
        lambda: all(s.sf_patient(r)["sync"]["status"] == "Synced" for r in creates),
        timeout=300,
        what="the resync to bring every record to Synced",
        interval=1,
    )
    s.quiet(since=resynced_at)
    _assert_clean(s.finish())


def _synced(s, record_ids: list[str]) -> list[str]:
    return [r for r in record_ids if s.sf_patient(r)["sync"]["status"] == "Synced"]


def _settle(s, record_ids: list[str], timeout: float = 300) -> None:
    """Until each record is Synced or its job's last word is logged (Salesforce could not
    be told), and every dead letter the log announces is in the queue."""

    def settled() -> bool:
        events = worker_events(s.stack.run_dir)
        untold = {e.get("record_id") for e in events if e.get("msg") == UNTOLD}
        letters = sum(1 for e in events if e.get("msg") in ("sync failed for good", UNTOLD))
        return (
            s.pending_notifications() == 0
            and all(r in untold or r in _synced(s, [r]) for r in record_ids)
            and queue_depth(f"{s.prefix}.dead") == letters
        )

    wait_until(settled, timeout=timeout, what="every job to end", interval=1)


def _started(s, record_id: str) -> bool:
    return bool(_events(s, record_id, "sync started"))


@pytest.mark.long
def test_token_expired_then_revoked_mid_burst(scenario):
    """The org expires the access token mid-burst, later revokes every token mid-burst.

    Expiry is transparent: the shared token is refreshed (once) and every record is
    ``Synced``. Revocation cannot be: each job that needs Salesforce afterwards
    stops at once with the permanent ``ReauthorizationRequired`` (no retries), the
    stored token is dropped (``/oauth/status``: not connected) and the record is
    parked in the dead-letter queue; Salesforce cannot be told, so its status is
    left as it was. The operator re-authorises through ``/oauth/login``; the web app
    then has a worker replay what was parked for it: every record ends ``Synced``
    with nobody running ``resync``.
    """
    s = scenario("token-faults", extra_env=OAUTH_ONLY)
    s.stack.start()
    s.connect_salesforce()
    assert s.salesforce_connected()

    first = [s.create(make_bundle(800 + i, notes=1)) for i in range(3)]
    wait_until(lambda: _synced(s, first[:1]), timeout=180, what="a record synced", interval=1)
    expired_at = time.time()
    s.org_control("expire-tokens")  # the next two jobs hold a token the org no longer takes
    s.faults += 1
    _settle(s, first)
    assert _synced(s, first) == first
    s.quiet()
    events = worker_events(s.stack.run_dir)
    refreshes = [e for e in events if e.get("msg") == "Salesforce token refreshed"]
    assert [e["t"] >= expired_at for e in refreshes] == [True], refreshes  # once, after it
    assert not any(e.get("msg") == "sync failed for good" for e in events)

    burst = [s.create(make_bundle(810 + i, notes=1)) for i in range(2)]
    wait_until(lambda: _started(s, burst[0]), timeout=180, what="a sync under way", interval=0.2)
    s.org_control("revoke-all")  # the running job can no longer report, the next can't read
    s.faults += 1
    burst += [s.create(make_bundle(812 + i, notes=1)) for i in range(2)]
    _settle(s, burst)

    assert _synced(s, burst) == []  # each of them needed Salesforce after the revocation
    assert not s.salesforce_connected()  # what the operator sees: reconnect at /oauth/login
    listed = s.celery("resync", "--failed", "--list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    for record_id in burst:
        assert f"record={record_id} " in listed.stdout, listed.stdout
        kinds = {e.get("kind") for e in _events(s, record_id, "sync failed for good", UNTOLD)}
        assert kinds and kinds <= {REAUTH, f"unreported_{REAUTH}"}, kinds
        assert not _events(s, record_id, "sync will retry"), "a revoked token was retried"

    resynced_at = time.time()
    s.connect_salesforce()  # the operator re-authorises: the parked records are replayed
    assert s.salesforce_connected()
    wait_until(
        lambda: _synced(s, s.records) == s.records,
        timeout=300,
        what="the replay after reconnecting to bring every record to Synced",
        interval=1,
    )
    s.quiet(since=resynced_at)
    left = s.celery("resync", "--failed", "--list")
    assert left.returncode == 0 and not any(f"record={r} " in left.stdout for r in burst)
    _assert_clean(s.finish())
