"""The harness counts jobs, not runs: a retried job is one job that ends in one callback.

The bench's own "wait until quiet" once compared callbacks with runs, so a
single retry made it wait out its whole timeout. Both the bench and the e2e
tests now share ``tests.support.quiet``; this pins its counting.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.support.fixtures import make_bundle
from tests.support.quiet import callbacks_since, sync_jobs, sync_starts, worker_events
from tests.support.reconcile import reconcile
from tests.support.servers import ProcessExited, wait_until

pytestmark = pytest.mark.unit


def _line(msg: str, ts: str, **extra) -> str:
    return json.dumps({"msg": msg, "ts": ts, **extra})


def test_a_retried_job_counts_once(tmp_path):
    (tmp_path / "worker1.log").write_text(
        "\n".join(
            [
                "celery banner, not JSON",
                _line("sync started", "2026-11-30T10:00:00Z", job_id="j1", record_id="a"),
                _line("sync started", "2026-11-30T10:00:05Z", job_id="j1", record_id="a"),
                _line("sync started", "2026-11-30T10:00:06Z", job_id="j2", record_id="b"),
                '{"msg": "cut short by a ki',
            ]
        )
    )
    assert len(worker_events(tmp_path)) == 3
    assert len(sync_starts(tmp_path)) == 3  # runs
    assert sync_jobs(tmp_path) == {"j1", "j2"}  # jobs: what callbacks are compared with
    since = worker_events(tmp_path)[2]["t"]
    assert sync_jobs(tmp_path, since=since) == {"j2"}


def test_callbacks_since_counts_only_later_ones():
    class Org:
        def callbacks(self):
            return [
                {"body": {"recordId": "a"}, "at": "2026-11-30T10:00:01Z"},
                {"body": {"recordId": "b"}, "at": "2026-11-30T10:00:09Z"},
            ]

    from tests.support.quiet import epoch

    assert callbacks_since(Org(), epoch("2026-11-30T10:00:05Z")) == 1


def test_wait_until_stops_at_once_when_the_process_is_gone():
    calls = []

    def condition():
        calls.append(1)
        raise ProcessExited("server exited early")

    with pytest.raises(ProcessExited):
        wait_until(condition, timeout=30, what="never")
    assert len(calls) == 1


class _Systems:
    """Both sandboxes' inspection answers, as plain data."""

    def __init__(self, records: dict[str, dict], charts: list[dict]) -> None:
        self.records, self._charts = records, charts

    def sf_patient(self, record_id: str) -> dict:
        return self.records[record_id]

    def charts(self) -> list[dict]:
        return self._charts


def _record(mrn: str | None, status: str | None, bundle: dict, error: str | None = None) -> dict:
    return {**bundle, "sync": {"emr_patient_id": mrn, "status": status, "error": error}}


def _chart(mrn: str, bundle: dict) -> dict:
    return {**copy.deepcopy(bundle), "emr_patient_id": mrn}


def test_reconcile_counts_lost_wrong_and_duplicated():
    a, b, c = make_bundle(1), make_bundle(2), make_bundle(3)
    changed = copy.deepcopy(b)
    changed["patient"]["phone"] = "(555) 000-0000"
    twice = copy.deepcopy(c)
    twice["notes"].append(copy.deepcopy(twice["notes"][0]))
    systems = _Systems(
        {
            "ok": _record("MRN-1", "Synced", a),
            "wrong": _record("MRN-2", "Synced", b),
            "lost": _record(None, None, a),
            "notes": _record("MRN-3", "Synced", c),
            "dup": _record("MRN-4", "Failed", a, error="DuplicatePatient: ok"),
        },
        [_chart("MRN-1", a), _chart("MRN-2", changed), _chart("MRN-3", twice), _chart("X", a)],
    )
    tally = reconcile(systems, ["ok", "wrong", "lost", "notes", "dup"], {"dup": "ok"})
    assert (tally.lost, tally.wrong) == (1, 1)
    assert tally.duplicated == 2  # a note written twice, and a second chart of patient a
    clean = reconcile(systems, ["ok", "dup"], {"dup": "ok"})
    assert clean.duplicated == 1 and not clean.lost and not clean.wrong
