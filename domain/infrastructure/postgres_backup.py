"""The PostgreSQL side of backups: a consistent `pg_dump`, `pg_restore`, and the counts to check them.

`BackupService` (domain/services/backup.py) holds the rules and the steps; this is the narrow
interface it uses to reach the server and its client tools, so the service itself never
touches an engine, a connection or a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.infrastructure import archive_manifest, pgtools
from domain.infrastructure.migrate import current_revision
from domain.repositories.sql.catalog import DatabaseCatalog
from domain.repositories.sql.outbox import OutboxRepository
from domain.repositories.sql.unit_of_work import postgres_unavailable


@dataclass(frozen=True)
class PostgresDump:
    """What the PostgreSQL step of a backup produced and saw."""

    member: str
    tables: dict[str, int]
    revision: str | None
    server_version: str
    server_version_num: int
    tool_version: str


class PostgresBackup:
    """Dump and restore one PostgreSQL database with its client tools (`pg_dump`, `pg_restore`)."""

    def __init__(self, engine: Engine, database_url: str, timeout_s: float) -> None:
        self._engine = engine
        self._connection = pgtools.Connection.from_url(database_url)
        self._timeout_s = timeout_s

    @property
    def database(self) -> str:
        return self._connection.database

    def dump(self, staging: Path, meanwhile: Callable[[], None] | None = None) -> PostgresDump:
        """`pg_dump` into `staging`, from an exported snapshot: the counts, the revision and the
        dump all see the same committed state, whatever runs meanwhile.

        `meanwhile` (the MongoDB export) runs in this thread while `pg_dump` works, once the
        snapshot is taken: what it reads is never older than the dump. Its error, or else
        the dump's, is raised once both are done."""
        with self._catalog() as catalog:
            with catalog.conn.begin():
                snapshot = catalog.begin_snapshot()
                server_version, version_num = catalog.server_version()
                tool = pgtools.find_tool("pg_dump", pgtools.server_major(version_num), server_version)
                dump = PostgresDump(
                    member=archive_manifest.dump_member(self._connection.database),
                    tables=catalog.row_counts(),
                    revision=MigrationContext.configure(catalog.conn).get_current_revision(),
                    server_version=server_version,
                    server_version_num=version_num,
                    tool_version=tool.version,
                )
                target = staging / dump.member
                if meanwhile is None:
                    pgtools.dump(tool, self._connection, target, snapshot, self._timeout_s)
                else:
                    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-dump") as pool:
                        dumping = pool.submit(pgtools.dump, tool, self._connection, target, snapshot, self._timeout_s)
                        try:
                            meanwhile()
                        finally:
                            failure = dumping.exception()
                        if failure is not None:
                            raise failure
        return dump

    @contextmanager
    def _catalog(self) -> Iterator[DatabaseCatalog]:
        try:
            with self._engine.connect() as conn:
                yield DatabaseCatalog(conn)
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None

    def server_version(self) -> tuple[str, int]:
        """(`"18.6"`, 180006)."""
        with self._catalog() as catalog:
            return catalog.server_version()

    @staticmethod
    def restore_tool(server: tuple[str, int], dumped_by_major: int) -> pgtools.PgTool:
        """The `pg_restore` that can read a dump of `pg_dump` `dumped_by_major` into `server` (PgToolError if none)."""
        server_version, version_num = server
        needed = max(pgtools.server_major(version_num), dumped_by_major)
        return pgtools.find_tool("pg_restore", needed, server_version)

    def restore(self, tool: pgtools.PgTool, source: Path) -> None:
        """Replace the database's contents with the dump `source`, in one transaction (PgToolError if it fails)."""
        pgtools.restore(tool, self._connection, source, self._timeout_s)

    def row_counts(self) -> dict[str, int]:
        with self._catalog() as catalog:
            return catalog.row_counts()

    def revision(self) -> str | None:
        return current_revision(self._engine)

    def pending_outbox(self) -> int | None:
        """Outbox records not applied yet; None when the outbox table cannot be read."""
        try:
            with self._engine.connect() as conn:
                return OutboxRepository(conn).pending_count()
        except DBAPIError:
            return None
