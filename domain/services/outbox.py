"""The relay that carries outbox records from PostgreSQL to MongoDB.

One mechanism for every cross-database change (activity logs, registrations, progress):
a service writes its PostgreSQL change and an outbox record in one transaction; after the
commit the relay applies the record to MongoDB with a handler that is idempotent
(deterministic `_id`s, upserts), so replaying a record twice changes nothing. Records
left pending by a MongoDB outage are replayed at start-up and by `skillhub doctor`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from domain.clock import Clock, utc_now
from domain.errors import DatabaseUnavailable
from domain.models.sync import SyncStatus
from domain.repositories.sql.outbox import OutboxRecord, OutboxRepository
from domain.repositories.sql.unit_of_work import Committed, UnitOfWorkFactory

log = logging.getLogger(__name__)

Handler = Callable[[OutboxRecord], None]
BATCH = 200


@dataclass(frozen=True)
class RelayResult:
    applied: int
    pending: int
    error: str | None = None


class OutboxRelay:
    """Apply pending outbox records to MongoDB, in order, stopping at the first outage."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def settle_committed(self, committed: Committed) -> SyncStatus:
        """Apply a unit of work's just-committed records now; an outage leaves them pending and says so.

        The unit of work calls it after each commit that added outbox records (its one
        after-commit relay path, see `UnitOfWork`). Usually nothing older is pending: the
        records are applied from memory (as stored) and marked on the unit of work's own
        connection in one statement, with no claim. A concurrent relay (a replay) may apply
        the same records meanwhile: handlers are idempotent and the later mark changes
        nothing. When an older record is pending, they are not allowed to overtake it:
        `settle` replays everything in order."""
        records = committed.records
        if committed.older_pending:
            return self.settle([record.id for record in records])
        repo = committed.outbox()
        done, error = self._apply(repo, records)
        if not repo.mark_settled(done, self._clock()):
            # PostgreSQL went away after the commit: the records stay pending and the next
            # replay applies them again, which changes nothing MongoDB already holds.
            log.warning("outbox records %s applied but not marked", [record.id for record in records])
        return SyncStatus(error is None, error, applied=len(done))

    def settle(self, outbox_ids: list[int]) -> SyncStatus:
        """Apply committed records now, after any older pending one; an outage leaves them pending and says so."""
        result = self.relay(outbox_ids)
        if result.error is None and result.pending and any(attempts for _, _, attempts, _ in self.pending()):
            # MongoDB answers again and records an earlier outage left behind are waiting:
            # catch up now rather than at the next start-up.
            self.relay()
        return SyncStatus(result.error is None, result.error, applied=result.applied)

    def relay(self, only_ids: list[int] | None = None) -> RelayResult:
        """Apply pending records (all, or just `only_ids`); never raises for an outage.

        With `only_ids` (a service relaying its own just-committed records), the call returns
        only once those records are settled: applied here, applied by a concurrent relay it
        waited for, or left pending by a failure reported in the result."""
        own = list(only_ids or [])
        if own:
            settled = self._settle_own(own)
            if settled is not None:
                return settled
        applied = 0
        error: str | None = None
        if own:
            with self._uow() as uow:
                # An older record left pending (by an outage) must not be overtaken by a newer
                # one: replay everything in order instead of just `only_ids`.
                if uow.outbox.has_pending_before(min(own)):
                    only_ids = None
        while error is None:
            count, error, done = self._apply_batch(only_ids, wait=False)
            applied += count
            if done or only_ids is not None:
                break
        if own and error is None:
            # Records a concurrent relay had locked were skipped above: wait for that relay,
            # then apply whatever it left pending.
            count, error, _ = self._apply_batch(own, wait=True)
            applied += count
        with self._uow() as uow:
            pending = uow.outbox.pending_count()
        return RelayResult(applied, pending, error)

    def _settle_own(self, own: list[int]) -> RelayResult | None:
        """The usual case in one transaction: nothing older is pending and no other relay holds
        any of `own`, so they are claimed, applied, marked and the rest counted at once.
        None when that is not the case: `relay` then takes the general path."""
        with self._uow() as uow:
            repo = uow.outbox
            batch, older_pending = repo.claim_own(own)
            if older_pending or {record.id for record in batch} != set(own):
                return None
            done, error = self._apply(repo, batch)
            pending = repo.mark_applied_counting(done, self._clock())
            uow.commit()
        return RelayResult(len(done), pending, error)

    def _apply_batch(self, only_ids: list[int] | None, wait: bool) -> tuple[int, str | None, bool]:
        """Claim and apply one batch; returns (applied, error, nothing was left to claim)."""
        with self._uow() as uow:
            repo = uow.outbox
            batch = repo.claim_pending(BATCH, only_ids, wait=wait)
            done, error = self._apply(repo, batch)
            repo.mark_applied(done, self._clock())
            uow.commit()
        return len(done), error, not batch

    def _apply(self, repo: OutboxRepository, batch: list[OutboxRecord]) -> tuple[list[int], str | None]:
        """Apply claimed records in order; returns (the ids applied, to mark, and the error that
        stopped the run, whose record is marked failed here)."""
        done: list[int] = []
        error: str | None = None
        for record in batch:
            handler = self._handlers.get(record.kind)
            # Records are applied strictly in order: a later record may depend on an
            # earlier one (a promotion after a cancellation), so the first failure stops
            # the run and the record stays pending for the next replay.
            try:
                if handler is None:
                    raise LookupError(f"no handler for outbox kind {record.kind}")
                handler(record)
            except DatabaseUnavailable as exc:
                error = exc.message
            except Exception as exc:  # noqa: BLE001 - reported, kept pending, never lost
                log.exception("outbox record %s (%s) failed", record.id, record.kind)
                error = f"outbox record {record.id} ({record.kind}) failed: {exc}"
            if error is not None:
                repo.mark_failed(record.id, error)
                break
            done.append(record.id)
        return done, error

    def pending(self) -> list[tuple[int, str, int, str | None]]:
        with self._uow() as uow:
            return uow.outbox.pending_summary()

