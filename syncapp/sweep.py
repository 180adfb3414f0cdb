"""The reconciliation sweep: the net under every notification path.

A notification can be lost anywhere: the webhook down for longer than
Salesforce retries (24 h for Outbound Messages, three tries for the Apex
Queueable), a message dropped, an endpoint misconfigured. Every
``SYNC_SWEEP_SECONDS`` Celery beat runs one pass that asks Salesforce which
patients changed since their last sync callback and queues them through the
same coalescing path as a notification (``syncapp.intake``), so a change
reaches the EMR within minutes whatever happened to its notification.

One pass, with a watermark ``W`` kept in the store and ``cutoff = now - grace``
(younger changes are left to their notification, which is on its way):

1. patients modified in ``(W, cutoff]``, and patients whose sync never finished
   (no status, or ``Pending``), oldest first;
2. guardians, coverages and notes modified in ``(W, cutoff]``: their patients;
3. a candidate is due when its status is not final, or when a child's
   ``LastModifiedDate`` is not older than the last job's read (below; else
   ``EMR_Last_Synced__c``), or its own is newer than ``EMR_Last_Synced__c``. The
   callback sets that field in the same transaction that bumps the patient's
   own date, so the patient's date needs a small tolerance (an edit of the
   patient's own fields within half a second of a callback is left to its
   notification); the callback never touches children;
4. due records are queued (an already queued record coalesces); the watermark
   moves to the cutoff, or to the last row read when a query was cut at the
   batch size, so the next pass continues where this one stopped.

Children are read with ``queryAll``, so a guardian or coverage moved to the
recycle bin counts as a change of its patient (deleting it stamps its
``LastModifiedDate``): an Outbound Message fires on the patient only, never on
a child's deletion, and the EMR would otherwise keep a guardian Salesforce no
longer has until the patient's next edit. A deleted patient is not read (plain
``query``), so its deleted children queue nothing.

A child changed while a job ran (after the job read the record, before its
callback stamped ``EMR_Last_Synced__c``) is not in the EMR although it looks
older than the sync. So the worker keeps when it read the record, by the org's
clock (``keys.read_at``, from the response's ``Date`` header); when that read
is not newer than ``EMR_Last_Synced__c`` (the callback came after it: a job
that died after reading is ignored), a child is due when it changed at or after
the read. Without it (store emptied, header missing) the callback's time is
used, and a deletion in that window, which has no notification in Outbound
Message mode, waits for the patient's next change. The patient's own fields
edited in that window have their notification: the callback moves the same date.

SOQL has no field-to-field comparison and this org stand-in no semi-joins, so
the comparison is made here, on ids and timestamps only: no patient data is
queried, kept or logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncapp import intake, keys
from syncapp.field_map import FieldMap, soql_quote
from syncapp.kv import KeyValueStore

log = logging.getLogger(__name__)

FINAL = ("Synced", "Failed")
NOT_FINISHED = "Pending"
TOLERANCE = 0.5  # seconds between the callback's EMR_Last_Synced__c and the record's date
OVERLAP = 5.0  # seconds re-read before the watermark: clocks and commit order differ a bit
IN_CHUNK = 100  # ids per ``Id IN (...)`` query

Query = Callable[[str], list[dict]]
Enqueue = Callable[[str, str], object]


@dataclass(frozen=True)
class SweepConfig:
    batch: int = 200
    grace: float = 60.0
    lookback: float = 48 * 3600.0

    @classmethod
    def from_settings(cls, settings) -> SweepConfig:
        return cls(
            batch=settings.sync_sweep_batch,
            grace=settings.sync_sweep_grace_seconds,
            lookback=settings.sync_sweep_lookback_hours * 3600.0,
        )


@dataclass
class Candidate:
    record_id: str
    changed: float  # the patient record's own LastModifiedDate
    status: str | None
    last_synced: float | None
    child_changed: float = 0.0  # the newest LastModifiedDate of its children
    read_at: float | None = None  # when the last job read the record (org clock, whole seconds)

    def due(self) -> bool:
        if self.status not in FINAL or self.last_synced is None:
            return True
        # The callback bumps the patient's own date in the same transaction that sets
        # EMR_Last_Synced__c (hence the tolerance); it never touches the children, so a
        # child stamped the same instant was edited by someone (at worst a no-op resync).
        if self.changed > self.last_synced + TOLERANCE:
            return True
        # What the EMR holds of the children dates from the last job's read, when known.
        read = (
            self.read_at if self.read_at is not None and self.read_at <= self.last_synced else None
        )
        return self.child_changed >= (self.last_synced if read is None else read)

    @property
    def newest(self) -> float:
        return max(self.changed, self.child_changed)


@dataclass
class PassResult:
    examined: int = 0
    due: int = 0
    queued: int = 0
    coalesced: int = 0
    truncated: bool = False
    skipped: str = ""
    due_ids: list[str] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {
            "examined": self.examined,
            "due": self.due,
            "queued": self.queued,
            "coalesced": self.coalesced,
            "truncated": self.truncated,
            "skipped": self.skipped,
        }


def epoch(value: str | None) -> float | None:
    """A Salesforce datetime (``2026-11-30T10:00:00.000+0000``) as Unix seconds."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).timestamp()


def literal(ts: float) -> str:
    """A SOQL datetime literal (whole seconds, UTC)."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Sweeper:
    """One deployment's sweep: ``run_pass()`` is idempotent and bounded by ``batch``."""

    def __init__(
        self,
        query: Query,
        store: KeyValueStore,
        enqueue: Enqueue,
        fmap: FieldMap,
        config: SweepConfig,
        clock: Callable[[], float] = time.time,
        *,
        query_all: Query,
    ) -> None:
        """``query`` runs SOQL on live rows; ``query_all`` also on deleted ones (``queryAll``)."""
        self.query = query
        self.query_all = query_all
        self.store = store
        self.enqueue = enqueue
        self.fmap = fmap
        self.config = config
        self.clock = clock

    # --- the pass -------------------------------------------------------------------
    def run_pass(self) -> PassResult:
        now = self.clock()
        result = PassResult()
        if not self.store.set_nx(keys.SWEEP_RUNNING, "1", ttl=600):
            result.skipped = "another pass is running"
            return result
        try:
            since, cutoff = self._window(now)
            candidates, resume = self._candidates(since, cutoff)
            result.truncated = resume is not None
            result.examined = len(candidates)
            due = sorted((c for c in candidates.values() if c.due()), key=lambda c: c.newest)
            due = due[: self.config.batch]
            result.due, result.due_ids = len(due), [c.record_id for c in due]
            outcomes = intake.accept(
                ((None, c.record_id) for c in due), store=self.store, enqueue=self.enqueue
            )
            result.queued = sum(1 for o in outcomes if o.job_id)
            result.coalesced = sum(1 for o in outcomes if o.coalesced)
            self.store.set(keys.SWEEP_WATERMARK, repr(resume if resume is not None else cutoff))
        finally:
            self.store.delete(keys.SWEEP_RUNNING)
        log.info(
            "sweep pass",
            extra={
                "step": "sweep",
                "count": result.queued,
                "coalesced": result.coalesced,
                "reason": f"examined={result.examined} due={result.due}"
                f" truncated={result.truncated} {result.skipped}".rstrip(),
            },
        )
        return result

    def _window(self, now: float) -> tuple[float, float]:
        stored = self.store.get(keys.SWEEP_WATERMARK)
        watermark = float(stored) if stored else now - self.config.lookback
        return watermark - OVERLAP, now - self.config.grace

    # --- the queries ----------------------------------------------------------------
    def _candidates(self, since: float, cutoff: float) -> tuple[dict[str, Candidate], float | None]:
        """Candidates by record id, and where to resume when a query was cut short."""
        patient = self.fmap.patient.sobject
        status, synced = self.fmap.sync["status"], self.fmap.sync["last_synced"]
        cols = f"Id, LastModifiedDate, {status}, {synced}"
        window = f"LastModifiedDate > {literal(since)} AND LastModifiedDate <= {literal(cutoff)}"
        order = f"ORDER BY LastModifiedDate LIMIT {self.config.batch}"
        resume: list[float] = []
        rows = self._read(f"SELECT {cols} FROM {patient} WHERE {window} {order}", resume)
        unfinished = (
            f"({status} = null OR {status} = {soql_quote(NOT_FINISHED)})"
            f" AND LastModifiedDate <= {literal(cutoff)}"
        )
        rows += self.query(f"SELECT {cols} FROM {patient} WHERE {unfinished} {order}")
        found = {r["Id"]: self._candidate(r) for r in rows}

        touched: dict[str, float] = {}
        for child in self.fmap.children.values():
            if not child.parent_field:
                continue
            soql = (
                f"SELECT {child.parent_field}, LastModifiedDate FROM {child.sobject}"
                f" WHERE {window} {order}"
            )
            for row in self._read(soql, resume, self.query_all):  # deletions too
                parent, changed = row.get(child.parent_field), epoch(row["LastModifiedDate"])
                if parent and changed:
                    touched[parent] = max(touched.get(parent, 0.0), changed)
        for row in self._patients([p for p in touched if p not in found]):
            found[row["Id"]] = self._candidate(row)
        for record_id, changed in touched.items():
            if record_id in found:
                found[record_id].child_changed = changed
        return found, (min(resume) if resume else None)

    def _read(self, soql: str, resume: list[float], query: Query | None = None) -> list[dict]:
        """Rows of a windowed query; a full batch means more may follow: note where to resume."""
        rows = (query or self.query)(soql)
        if len(rows) >= self.config.batch:
            resume.append(epoch(rows[-1]["LastModifiedDate"]) or 0.0)
        return rows

    def _patients(self, record_ids: Iterable[str]) -> list[dict]:
        ids = list(record_ids)
        patient = self.fmap.patient.sobject
        status, synced = self.fmap.sync["status"], self.fmap.sync["last_synced"]
        rows: list[dict] = []
        for i in range(0, len(ids), IN_CHUNK):
            chunk = ", ".join(soql_quote(r) for r in ids[i : i + IN_CHUNK])
            rows += self.query(
                f"SELECT Id, LastModifiedDate, {status}, {synced} FROM {patient}"
                f" WHERE Id IN ({chunk})"
            )
        return rows

    def _candidate(self, row: dict) -> Candidate:
        read_at = self.store.get(keys.read_at(row["Id"]))
        return Candidate(
            record_id=row["Id"],
            changed=epoch(row.get("LastModifiedDate")) or 0.0,
            status=row.get(self.fmap.sync["status"]),
            last_synced=epoch(row.get(self.fmap.sync["last_synced"])),
            read_at=float(read_at) if read_at else None,
        )


def beat_schedule(settings) -> dict[str, dict]:
    """The beat entry for ``tasks.sweep`` (none when ``SYNC_SWEEP_SECONDS`` is 0)."""
    if settings.sync_sweep_seconds <= 0:
        return {}
    every = float(settings.sync_sweep_seconds)
    # A pass not started within one period is dropped: the next one does its work.
    return {"sync-sweep": {"task": "tasks.sweep", "schedule": every, "options": {"expires": every}}}
