"""`skillhub doctor`: find where PostgreSQL and MongoDB disagree, and repair it.

PostgreSQL is the source of truth for seats and registration states (the workshop's
counters and the registration ledger); MongoDB holds their projection. So every repair
goes one way: replay the outbox, recount counters from the ledger, promote waiting
learners into free seats, and re-project ledger rows into MongoDB through the same
outbox and handlers the services use. Nothing here writes MongoDB directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from domain.clock import Clock, utc_now
from domain.models.scores import WORKSHOP_POINTS
from domain.models.sync import SyncStatus
from domain.models.users import SYSTEM, Principal
from domain.models.workshops import RegistrationStatus, registration_id
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.registrations import RegistrationDocuments
from domain.repositories.mongo.schema import MongoSchema
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.services.activity import ActivityService
from domain.services.outbox import OutboxRelay
from domain.services.score_keeper import ScoreKeeper
from domain.services.workshop_rules import fill_free_seats
from domain.services.workshop_sync import Change, WorkshopSync

CHUNK = 500
SHOWN_PER_KIND = 20
SUPERSEDED = "superseded by a later registration"


@dataclass(frozen=True)
class Finding:
    """One disagreement: its kind (for grouping) and a line to print."""

    kind: str
    message: str


@dataclass
class _Scan:
    """What one pass over both databases found, with the keys a repair needs."""

    findings: list[Finding] = field(default_factory=list)
    counter_workshops: set[int] = field(default_factory=set)
    queue_workshops: set[int] = field(default_factory=set)
    reproject: set[tuple[int, int]] = field(default_factory=set)
    retire: list[str] = field(default_factory=list)
    forget: list[str] = field(default_factory=list)
    orphan_workshops: set[int] = field(default_factory=set)
    missing_indexes: list[str] = field(default_factory=list)
    pending_outbox: int = 0
    scores_differ: bool = False


@dataclass(frozen=True)
class DoctorReport:
    """The findings of one check; clean when there are none."""

    findings: list[Finding]

    @property
    def clean(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        shown: Counter[str] = Counter()
        out: list[str] = []
        for finding in self.findings:
            shown[finding.kind] += 1
            if shown[finding.kind] <= SHOWN_PER_KIND:
                out.append(finding.message)
        total = Counter(f.kind for f in self.findings)
        out += [f"… and {total[k] - SHOWN_PER_KIND} more {k} finding(s)" for k in total if total[k] > SHOWN_PER_KIND]
        return out


@dataclass(frozen=True)
class RepairResult:
    """The report before, what the repair did, and the report after."""

    before: DoctorReport
    actions: list[str]
    after: DoctorReport


class DoctorService:
    """Check and repair agreement between PostgreSQL and MongoDB for workshops."""

    def __init__(self, uow_factory: UnitOfWorkFactory, relay: OutboxRelay, sync: WorkshopSync,
                 documents: RegistrationDocuments, comments: CommentRepository, schema: MongoSchema,
                 activity: ActivityService, clock: Clock = utc_now, keeper: ScoreKeeper | None = None) -> None:
        self._uow = uow_factory
        self._keeper = keeper
        self._relay = relay
        self._sync = sync
        self._documents = documents
        self._comments = comments
        self._schema = schema
        self._activity = activity
        self._clock = clock

    def check(self) -> DoctorReport:
        """Report drift without changing anything."""
        return DoctorReport(self._scan().findings)

    def repair(self, actor: Principal = SYSTEM) -> RepairResult:
        """Replay the outbox and fix every drift the scan finds; report before and after."""
        first = self._scan()
        actions: list[str] = []
        if first.missing_indexes:
            actions += self._schema.init()
        replay = self._relay.relay()
        if replay.applied or first.pending_outbox:
            actions.append(f"replayed the outbox: {replay.applied} record(s) applied, {replay.pending} pending")
        if replay.error:
            actions.append(f"stopped: {replay.error}")
            return RepairResult(DoctorReport(first.findings), actions, self.check())
        scan = self._scan()
        actions += self._fix_counters(actor, sorted(scan.counter_workshops | scan.queue_workshops))
        actions += self._reproject(actor, sorted(scan.reproject), scan.retire, scan.forget,
                                   sorted(scan.orphan_workshops))
        if self._keeper is not None and (scan.scores_differ or scan.reproject or scan.forget or scan.orphan_workshops):
            self._keeper.rebuild()
            actions.append("rebuilt the leaderboard's maintained figures from PostgreSQL and MongoDB")
        return RepairResult(DoctorReport(first.findings), actions, self.check())

    # -- the scan ------------------------------------------------------------------------------
    def _scan(self) -> _Scan:
        scan = _Scan()
        scan.missing_indexes = self._schema.missing_indexes()
        scan.findings += [Finding("index", f"MongoDB index missing: {name}") for name in scan.missing_indexes]
        with self._uow() as uow:
            outbox = uow.outbox
            scan.pending_outbox = outbox.pending_count()
            for record_id, kind, attempts, error in outbox.pending_summary(SHOWN_PER_KIND):
                detail = f", last error: {error}" if error else ""
                scan.findings.append(Finding("outbox", f"outbox record {record_id} ({kind}) not applied yet"
                                                       f" after {attempts} attempt(s){detail}"))
            if scan.pending_outbox > SHOWN_PER_KIND:
                scan.findings.append(Finding("outbox", f"{scan.pending_outbox} outbox records pending in all"))
            workshops = uow.workshops
            for wid, capacity, seats, confirmed, waitlisted, waiting in workshops.counter_drift():
                scan.counter_workshops.add(wid)
                if seats != confirmed:
                    scan.findings.append(Finding("seats", f"workshop {wid}: seats_taken is {seats} but "
                                                          f"{confirmed} registrations are confirmed"
                                                          f" (capacity {capacity})"))
                if waitlisted != waiting:
                    scan.findings.append(Finding("seats", f"workshop {wid}: waitlist counter is {waitlisted} "
                                                          f"but {waiting} learners are waiting"))
            for wid in workshops.free_seats_with_queue():
                scan.queue_workshops.add(wid)
                scan.findings.append(Finding("waitlist", f"workshop {wid}: a seat is free while learners wait"))
            ledger = {
                registration_id(w, lid, a): (w, lid, a, v, s) for w, lid, a, v, s in uow.ledger.versions()
            }
            documents = list(self._documents.states())
            mongo_workshops = sorted({d[1] for d in documents} | set(self._documents.workshop_ids())
                                     | set(self._comments.workshop_ids()))
            existing = workshops.existing_ids(mongo_workshops)
            mongo_confirmed = Counter(d[1] for d in documents if d[4] == RegistrationStatus.CONFIRMED.value)
            seats_by_workshop = workshops.seats_taken(list(mongo_confirmed))
        self._compare_documents(scan, ledger, documents, existing)
        scan.orphan_workshops = set(mongo_workshops) - existing
        scan.findings += [Finding("orphan", f"MongoDB holds registrations, history or comments of workshop {w},"
                                            " which no longer exists") for w in sorted(scan.orphan_workshops)]
        for wid in sorted(set(seats_by_workshop) | set(mongo_confirmed)):
            if wid in existing or wid in seats_by_workshop:
                if seats_by_workshop.get(wid, 0) != mongo_confirmed.get(wid, 0):
                    scan.findings.append(Finding("mongo-seats", f"workshop {wid}: seats_taken is "
                                                                f"{seats_by_workshop.get(wid, 0)}"
                                                                f" but MongoDB shows {mongo_confirmed.get(wid, 0)}"
                                                                " confirmed registrations"))
        self._compare_scores(scan)
        return scan

    def _compare_scores(self, scan: _Scan) -> None:
        """Rebuild the leaderboard's figures in a transaction that is rolled back, and report
        every user whose maintained figures differ from that full recompute."""
        if self._keeper is None:
            return
        now = self._clock()
        with self._uow() as uow:
            scores = uow.scores
            scores.refresh_due(now, WORKSHOP_POINTS)
            kept, kept_points = scores.snapshot()
            self._keeper.rebuild_in(scores, now)
            rebuilt, rebuilt_points = scores.snapshot()
        for user_id in sorted(set(kept) | set(rebuilt)):
            if user_id not in kept:
                scan.findings.append(Finding("scores", f"user {user_id} has no maintained leaderboard row"))
            elif kept[user_id] != rebuilt.get(user_id):
                labels = ("ranked", "challenge points", "completed", "badge points", "workshops", "total", "last point")
                differ = [f"{label} {a} (recomputed: {b})"
                          for label, a, b in zip(labels, kept[user_id], rebuilt.get(user_id, ()), strict=False)
                          if a != b]
                scan.findings.append(Finding("scores", f"user {user_id}: leaderboard figures differ: "
                                                       + ", ".join(differ)))
            elif kept_points.get(user_id, set()) != rebuilt_points.get(user_id, set()):
                scan.findings.append(Finding("scores", f"user {user_id}: the points behind the period and "
                                                       "category boards differ from their sources"))
        scan.scores_differ = any(f.kind == "scores" for f in scan.findings)

    def rebuild_scores(self) -> None:
        """Rebuild the leaderboard's maintained figures from the sources (after loading data in bulk)."""
        if self._keeper is not None:
            self._keeper.rebuild()

    @staticmethod
    def _compare_documents(scan: _Scan, ledger: dict[str, tuple[int, int, int, int, str]],
                           documents: list[tuple[str, int, int, int, str, int]], existing: set[int]) -> None:
        seen: set[str] = set()
        current_attempt = {(w, lid): a for w, lid, a, _, _ in ledger.values()}
        for doc_id, wid, lid, attempt, status, version in documents:
            seen.add(doc_id)
            if wid not in existing:
                continue
            expected = ledger.get(doc_id)
            if expected is not None:
                if (version, status) != (expected[3], expected[4]):
                    scan.reproject.add((wid, lid))
                    scan.findings.append(Finding("stale", f"registration {doc_id}: MongoDB shows {status} "
                                                          f"(version {version}), PostgreSQL {expected[4]} "
                                                          f"(version {expected[3]})"))
            elif current_attempt.get((wid, lid), 0) > attempt:
                if status != RegistrationStatus.CANCELLED.value:
                    scan.retire.append(doc_id)
                    scan.findings.append(Finding("stale", f"registration {doc_id}: an earlier attempt still "
                                                          f"shows {status}"))
            else:
                scan.forget.append(doc_id)
                scan.findings.append(Finding("unknown", f"registration {doc_id} is in MongoDB but not in the "
                                                        "PostgreSQL ledger"))
        for doc_id, (wid, lid, _, _, status) in ledger.items():
            if doc_id not in seen:
                scan.reproject.add((wid, lid))
                scan.findings.append(Finding("missing", f"registration {doc_id} ({status}) is missing in MongoDB"))

    # -- repairs --------------------------------------------------------------------------------
    def _fix_counters(self, actor: Principal, workshop_ids: list[int]) -> list[str]:
        actions: list[str] = []
        for wid in workshop_ids:
            now = self._clock()
            with self._uow() as uow:
                workshops = uow.workshops
                workshop = workshops.get(wid, lock=True)
                if workshop is None:
                    continue
                confirmed, waiting = uow.ledger.recount(wid)
                if confirmed > workshop.capacity:
                    actions.append(f"workshop {wid}: {confirmed} confirmed for {workshop.capacity} seats; "
                                   "raise the capacity or cancel registrations, then run the repair again")
                    continue
                workshops.set_counters(wid, confirmed, waiting, now)
                promoted = fill_free_seats(uow, wid, now)
                self._activity.record(uow, actor, "doctor.repair", "workshop", wid,
                                      {"seats_taken": confirmed, "waitlisted": waiting, "promoted": len(promoted)})
                if promoted:
                    self._sync.queue_changes(uow, actor, now, promoted)
                uow.commit()
            line = f"workshop {wid}: counters set to {confirmed} confirmed, {waiting} waiting"
            actions.append(line + (f"; promoted {len(promoted)} from the waitlist" if promoted else ""))
        return actions

    def _reproject(self, actor: Principal, keys: list[tuple[int, int]], retire: list[str], forget: list[str],
                   orphans: list[int]) -> list[str]:
        actions: list[str] = []
        # The MongoDB side of the last chunk relayed: it replays whatever earlier chunks left pending.
        status: SyncStatus | None = None
        now = self._clock()
        for start in range(0, len(keys), CHUNK):
            with self._uow() as uow:
                # A new version makes the projection win over whatever MongoDB holds.
                rows = uow.ledger.touch(keys[start:start + CHUNK], now)
                self._sync.queue_changes(uow, actor, now, [Change(r, status_changed=False) for r in rows])
                uow.commit()
            status = uow.sync
        if keys:
            actions.append(f"re-projected {len(keys)} registration(s) from PostgreSQL to MongoDB")
        retired = [
            Change(replace(reg, status=RegistrationStatus.CANCELLED, waitlist_position=None, cancel_reason=SUPERSEDED,
                           updated_at=now, version=reg.version + 1), reg.status, reason=SUPERSEDED)
            for doc_id in retire if (reg := self._documents.get(doc_id)) is not None
        ]
        with self._uow() as uow:
            if retired:
                self._sync.queue_changes(uow, actor, now, retired)
                actions.append(f"marked {len(retired)} superseded attempt(s) cancelled")
            if forget:
                self._sync.queue_forget(uow, forget)
                actions.append(f"removed {len(forget)} registration document(s) unknown to PostgreSQL")
            if orphans:
                self._sync.queue_purge(uow, orphans)
                actions.append(f"removed MongoDB data of {len(orphans)} deleted workshop(s)")
            if retired or forget or orphans:
                self._activity.record(uow, actor, "doctor.repair", "registrations", "mongo",
                                      {"retired": len(retired), "forgotten": len(forget),
                                       "orphan_workshops": len(orphans)})
            uow.commit()
        if retired or forget or orphans:
            status = uow.sync
        if status is not None and not status.synced:
            actions.append(f"stopped: {status.error}")
        return actions
