"""What the PostgreSQL server and database hold, read generically (backup manifests, restore checks).

Nothing here names a SkillHub table: every module's tables are counted the same way, so
a backup covers tables added by later migrations without a change here.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, table, text

# Schemas that belong to the server, not to the application.
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class DatabaseCatalog:
    """Server version, user tables and their row counts, and snapshot export."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def server_version(self) -> tuple[str, int]:
        """(`"18.6"`, 180006)."""
        version = str(self.conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
        number = int(self.conn.execute(text("SHOW server_version_num")).scalar_one())
        return version, number

    def tables(self) -> list[tuple[str, str]]:
        """(schema, table) of every ordinary and partitioned user table, sorted."""
        rows = self.conn.execute(
            text(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                "AND n.nspname <> ALL(:system) AND n.nspname NOT LIKE 'pg_temp%' "
                "ORDER BY n.nspname, c.relname"
            ),
            {"system": list(_SYSTEM_SCHEMAS)},
        ).all()
        return [(str(r[0]), str(r[1])) for r in rows]

    def row_counts(self) -> dict[str, int]:
        """Exact row count per table, keyed `schema.table`."""
        counts: dict[str, int] = {}
        for schema, name in self.tables():
            counts[f"{schema}.{name}"] = int(
                self.conn.execute(select(func.count()).select_from(table(name, schema=schema))).scalar_one()
            )
        return counts

    def begin_snapshot(self) -> str:
        """Start a read-only repeatable-read transaction and export its snapshot for pg_dump."""
        self.conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        return str(self.conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
