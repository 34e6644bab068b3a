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
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import DatabaseUnavailable
from domain.models.sync import SyncStatus
from domain.repositories.sql.challenges import ChallengeRepository
from domain.repositories.sql.dumps import DumpTables
from domain.repositories.sql.journal import ChangeJournal
from domain.repositories.sql.outbox import OutboxRepository
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

# Applies just-committed outbox records (by id) to MongoDB and says how it went.
Relay = Callable[[list[int]], SyncStatus]
R = TypeVar("R")


def postgres_unavailable(exc: BaseException) -> DatabaseUnavailable:
    detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0][:160]
    return DatabaseUnavailable("PostgreSQL", detail, POSTGRES_HINT)


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class QueuedOutbox(OutboxRepository):
    """The outbox of one unit of work: remembers the records it adds, so they are relayed after the commit."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.added: list[int] = []

    def add(self, kind: str, payload: dict[str, Any]) -> int:
        record_id = super().add(kind, payload)
        self.added.append(record_id)
        return record_id


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
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            raise
        nested.commit()

    def commit(self) -> None:
        try:
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
        except DBAPIError:
            pass
        finally:
            conn.close()
        if exc is not None and is_connection_error(exc):
            raise postgres_unavailable(exc) from None
        if exc is None and self._committed and outbox is not None and outbox.added and self._relay is not None:
            self.sync = self._relay(list(outbox.added))


UnitOfWorkFactory = Callable[[], UnitOfWork]
