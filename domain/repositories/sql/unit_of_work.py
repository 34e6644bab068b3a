"""A PostgreSQL transaction that owns its repositories and the outbox (cosmicpython's unit of work).

    with uow_factory() as uow:
        workshop = uow.workshops.get(workshop_id, lock=True)
        uow.outbox.add(kind, payload)          # the MongoDB side, in the same transaction
        uow.commit()
    uow.sync                                   # SyncStatus: is MongoDB up to date?

Repositories are lazy attributes bound to the transaction's connection (`uow.users`,
`uow.workshops`, `uow.ledger`, ...): built on first use, dropped with the transaction.
Leaving the block rolls back unless `commit()` was called. After a commit, the outbox
records this unit of work added are relayed to MongoDB once, on the way out of the block:
that is the one after-commit relay path, and `uow.sync` holds its answer (an outage leaves
the records pending for the next replay and says so, it never undoes the commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import DatabaseUnavailable
from domain.models.sync import SyncStatus
from domain.repositories.sql.challenges import ChallengeRepository
from domain.repositories.sql.dumps import DumpTables
from domain.repositories.sql.journal import ChangeJournal
from domain.repositories.sql.outbox import OutboxRecord, OutboxRepository, payload_of, stored_form
from domain.repositories.sql.preferences import PreferenceRepository
from domain.repositories.sql.progress import ProgressRepository
from domain.repositories.sql.registrations import RegistrationLedger
from domain.repositories.sql.scores import ScoreTables
from domain.repositories.sql.ssh_keys import SshKeyRepository
from domain.repositories.sql.users import UserRepository
from domain.repositories.sql.workshops import WorkshopRepository

POSTGRES_HINT = (
    "Check DATABASE_URL, or run 'skillhub embedded status' to see whether the embedded "
    "server is running."
)


@dataclass(frozen=True)
class Committed:
    """What a unit of work hands its relay after a commit.

    The outbox records it added (payloads read back from their stored form, as a replay
    would read them), whether an older record was still pending when the first was added
    (then they must not overtake it), and the unit of work's connection, open and outside
    any transaction, so that marking them applied needs no second checkout."""

    records: list[OutboxRecord]
    older_pending: bool
    conn: Connection

    def outbox(self) -> OutboxRepository:
        """The outbox on that connection, each statement its own transaction (autocommit)."""
        return OutboxRepository(self.conn.execution_options(isolation_level="AUTOCOMMIT"))


# Applies just-committed outbox records to MongoDB and says how it went.
Relay = Callable[[Committed], SyncStatus]
R = TypeVar("R")


def postgres_unavailable(exc: BaseException) -> DatabaseUnavailable:
    detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0][:160]
    return DatabaseUnavailable("PostgreSQL", detail, POSTGRES_HINT)


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class QueuedOutbox(OutboxRepository):
    """The outbox of one unit of work: remembers the records it adds, so they are relayed after the commit.

    `add_later` queues a record whose id nobody needs (a registration's documents, a log
    line): the queued records are inserted together, in one statement, before the next
    `add`, the next savepoint and the commit, so the order of ids is the order of calls."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.added: list[OutboxRecord] = []
        self.older_pending = False
        self._later: list[tuple[str, Any]] = []

    def add(self, kind: str, payload: dict[str, Any]) -> int:
        self._later.append((kind, stored_form(payload)))
        return self.flush()[-1]

    def add_later(self, kind: str, payload: dict[str, Any]) -> None:
        self._later.append((kind, stored_form(payload)))

    def flush(self) -> list[int]:
        """Insert the queued records; their ids."""
        if not self._later:
            return []
        queued, self._later = self._later, []
        first = not self.added
        ids, older = self.add_stored(queued, ask_older=first)
        if first:
            self.older_pending = older
        self.added.extend(OutboxRecord(record_id, kind, payload_of(stored), 0)
                          for record_id, (kind, stored) in zip(ids, queued, strict=True))
        return ids

    def checkpoint(self) -> int:
        """Flush, and mark the place a savepoint's rollback comes back to."""
        self.flush()
        return len(self.added)

    def rewind(self, checkpoint: int) -> None:
        """Forget what was added since `checkpoint`: its rows were rolled back with a savepoint."""
        self._later = []
        del self.added[checkpoint:]


class _Repository(Generic[R]):
    """A repository attribute of the unit of work, built on first use from its connection."""

    def __init__(self, make: Callable[[Connection], R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...

    @overload
    def __get__(self, uow: UnitOfWork, owner: type) -> R: ...

    def __get__(self, uow: UnitOfWork | None, owner: type) -> Self | R:
        if uow is None:
            return self
        found = uow._repositories.get(self._name)
        if found is None:
            found = uow._repositories[self._name] = self._make(uow.conn)
        return found


class UnitOfWork:
    """`with uow: ... uow.commit()` — one connection, one transaction, rollback by default."""

    users = _Repository(UserRepository)
    workshops = _Repository(WorkshopRepository)
    ledger = _Repository(RegistrationLedger)
    challenges = _Repository(ChallengeRepository)
    progress = _Repository(ProgressRepository)
    preferences = _Repository(PreferenceRepository)
    ssh_keys = _Repository(SshKeyRepository)
    outbox = _Repository(QueuedOutbox)
    dump_tables = _Repository(DumpTables)
    scores = _Repository(ScoreTables)
    journal = _Repository(ChangeJournal)

    def __init__(self, engine: Engine, relay: Relay | None = None) -> None:
        self._engine = engine
        self._relay = relay
        self._conn: Connection | None = None
        self._committed = False
        self._repositories: dict[str, Any] = {}
        # The MongoDB side of what this unit of work committed (see the module docstring).
        self.sync = SyncStatus(True)

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._conn

    def __enter__(self) -> Self:
        try:
            self._conn = self._engine.connect()
            self._conn.begin()
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
        self._committed = False
        self._repositories = {}
        self.sync = SyncStatus(True)
        return self

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: what the block wrote is rolled back if it raises (one row of a batch)."""
        outbox = self.outbox
        checkpoint = outbox.checkpoint()
        nested = self.conn.begin_nested()
        try:
            yield
            outbox.flush()
        except BaseException:
            nested.rollback()
            outbox.rewind(checkpoint)
            raise
        nested.commit()

    def commit(self) -> None:
        try:
            outbox: QueuedOutbox | None = self._repositories.get("outbox")
            if outbox is not None:
                outbox.flush()
            self.conn.commit()
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
        self._committed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        outbox: QueuedOutbox | None = self._repositories.get("outbox")
        self._repositories = {}
        assert conn is not None
        try:
            if not self._committed:
                conn.rollback()
            elif exc is None and outbox is not None and outbox.added and self._relay is not None:
                self.sync = self._relay(Committed(list(outbox.added), outbox.older_pending, conn))
        except DBAPIError as failure:
            if self._committed:
                # PostgreSQL went away while the relay recorded a MongoDB failure: the records
                # are pending either way, and the next replay applies them.
                self.sync = SyncStatus(False, postgres_unavailable(failure).message)
        finally:
            conn.close()
        if exc is not None and is_connection_error(exc):
            raise postgres_unavailable(exc) from None


UnitOfWorkFactory = Callable[[], UnitOfWork]
