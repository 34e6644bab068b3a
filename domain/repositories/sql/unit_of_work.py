"""A PostgreSQL transaction that rolls back unless committed (cosmicpython's unit of work)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import DatabaseUnavailable

POSTGRES_HINT = (
    "Check DATABASE_URL, or run 'skillhub embedded status' to see whether the embedded "
    "server is running."
)


def postgres_unavailable(exc: BaseException) -> DatabaseUnavailable:
    detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0][:160]
    return DatabaseUnavailable("PostgreSQL", detail, POSTGRES_HINT)


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class UnitOfWork:
    """`with uow: ... uow.commit()` — one connection, one transaction, rollback by default."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []

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
        self._after_commit = []
        return self

    def commit(self) -> None:
        try:
            self.conn.commit()
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
        self._committed = True

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
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
        if exc is None and self._committed:
            for callback in self._after_commit:
                callback()


UnitOfWorkFactory = Callable[[], UnitOfWork]
