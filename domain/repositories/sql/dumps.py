"""Plain-SQL data dumps of chosen tables, and loading them back (`skillhub dumps`).

The DDL comes from the declared schema (`schema.metadata`, which mirrors the Alembic
migrations; a test compares the two on a server), written `IF NOT EXISTS` so that two
dumps sharing a table (`users`) load one after the other; rows become multi-row INSERTs
`ON CONFLICT DO NOTHING` in primary-key order, with every value written by the code below,
so the text depends on the data only (no server version, no session setting).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.types import ARRAY, DateTime

from domain.repositories.sql.catalog import DatabaseCatalog
from domain.repositories.sql.schema import users

_DIALECT = postgresql.dialect()
_quote = _DIALECT.identifier_preparer.quote
# The statements a dump wraps its content in, each alone on its line: psql runs the file
# as one transaction, and the loader drops them to run several files in one of its own.
BEGIN = "BEGIN;"
COMMIT = "COMMIT;"
_ROWS_PER_INSERT = 500


def _clean(ddl: str) -> str:
    """SQLAlchemy's DDL with its tabs and trailing blanks tidied, ending in a semicolon."""
    lines = [line.replace("\t", "    ").rstrip() for line in str(ddl).strip().splitlines()]
    return "\n".join(line for line in lines if line) + ";"


def table_ddl(table: Table) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements of `table`, each IF NOT EXISTS, indexes by name."""
    statements = [_clean(str(CreateTable(table, if_not_exists=True).compile(dialect=_DIALECT)))]
    for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
        statements.append(_clean(str(CreateIndex(index, if_not_exists=True).compile(dialect=_DIALECT))))
    return statements


def inserted_columns(table: Table) -> list[Column[Any]]:
    """The columns a dump writes: all but the generated ones, which the server computes."""
    return [c for c in table.columns if c.computed is None]


def _text(value: str) -> str:
    # standard_conforming_strings is on (the dump sets it): only quotes need doubling.
    return "'" + value.replace("'", "''") + "'"


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise TypeError("naive datetime in a timestamptz column")
    return _text(value.astimezone(UTC).isoformat(sep=" "))


def sql_literal(value: Any, column: Column[Any]) -> str:
    """`value` of `column` as an SQL literal; TypeError for a type the dumps do not expect."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, list) and isinstance(column.type, ARRAY):
        if not value:
            return "'{}'"
        item = column.type.item_type.compile(dialect=_DIALECT)
        inner = ", ".join(sql_literal(v, Column("item", column.type.item_type)) for v in value)
        return f"ARRAY[{inner}]::{item}[]"
    raise TypeError(f"{column.table.name}.{column.name}: no SQL literal for {type(value).__name__}")


def insert_statements(table: Table, rows: Sequence[Sequence[Any]]) -> list[str]:
    """INSERT … VALUES … ON CONFLICT DO NOTHING for `rows` (in `inserted_columns` order)."""
    columns = inserted_columns(table)
    names = ", ".join(_quote(c.name) for c in columns)
    statements = []
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        values = ",\n".join(
            "(" + ", ".join(sql_literal(v, c) for v, c in zip(row, columns, strict=True)) + ")"
            for row in rows[start:start + _ROWS_PER_INSERT]
        )
        statements.append(f"INSERT INTO {_quote(table.name)} ({names}) VALUES\n{values}\nON CONFLICT DO NOTHING;")
    return statements


def identity_column(table: Table) -> Column[Any] | None:
    return next((c for c in table.columns if c.identity is not None), None)


def sequence_statement(table: Table, position: int) -> str:
    """Put `table`'s identity where the dumped data left it, so new rows get new ids."""
    column = identity_column(table)
    assert column is not None
    # pg_get_serial_sequence takes the table as SQL text (quoted if need be), the column as a plain name.
    return (f"SELECT pg_catalog.setval(pg_get_serial_sequence({_text(_quote(table.name))}, {_text(column.name)}), "
            f"{position});")


def script_body(script: str) -> str:
    """The statements between a dump's BEGIN and COMMIT lines; ValueError when they are missing."""
    lines = script.splitlines()
    try:
        start, end = lines.index(BEGIN), len(lines) - 1 - lines[::-1].index(COMMIT)
    except ValueError:
        raise ValueError(f"no '{BEGIN}' … '{COMMIT}' block") from None
    if end <= start:
        raise ValueError(f"'{COMMIT}' comes before '{BEGIN}'")
    return "\n".join(lines[start + 1:end])


class DumpTables:
    """Reads tables for a dump and writes dumps back, inside the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self, table: Table) -> list[tuple[Any, ...]]:
        """Every row of `table` (its inserted columns), in primary-key order."""
        order = list(table.primary_key.columns)
        result = self.conn.execute(select(*inserted_columns(table)).order_by(*order))
        return [tuple(row) for row in result]

    def identity_position(self, table: Table) -> int | None:
        """The last value the identity of `table` handed out, or None if it never did."""
        column = identity_column(table)
        if column is None:
            return None
        position = self.conn.execute(
            text("SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(:table, :column) AS regclass))"),
            {"table": _quote(table.name), "column": column.name},
        ).scalar_one()
        return int(position) if position is not None else None

    def row_counts(self) -> dict[str, int]:
        """Rows per table of the database (Alembic's own table left out), keyed `schema.table`."""
        counts = DatabaseCatalog(self.conn).row_counts()
        return {name: rows for name, rows in counts.items() if not name.endswith(".alembic_version")}

    def run_script(self, body: str) -> None:
        """Run SQL text as written (several statements, no parameters) in the current transaction."""
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            # Straight to the driver: SQLAlchemy would read ':name' or '%' inside the data as parameters.
            cursor.execute(body)
        finally:
            cursor.close()

    def shift_times(self, tables: Iterable[Table], delta: timedelta) -> None:
        """Move every timestamp of `tables` (plain and array columns) by `delta`."""
        for table in tables:
            plain = {c: c + bindparam("shift", delta) for c in inserted_columns(table) if isinstance(c.type, DateTime)}
            if plain:
                self.conn.execute(update(table).values(plain))
            for column in inserted_columns(table):
                if isinstance(column.type, ARRAY) and isinstance(column.type.item_type, DateTime):
                    name = _quote(column.name)
                    # Element by element, in order; ARRAY() of no rows is the empty array.
                    self.conn.execute(text(
                        f"UPDATE {_quote(table.name)} SET {name} = ARRAY(SELECT u.x + :shift "
                        f"FROM unnest({name}) WITH ORDINALITY AS u(x, n) ORDER BY u.n)"
                    ), {"shift": delta})

    def set_password_hash(self, where_hash: str, new_hash: str) -> list[tuple[int, str]]:
        """Give every account whose hash is `where_hash` the hash `new_hash`; (id, email) of them, by id."""
        rows = self.conn.execute(
            update(users).where(users.c.password_hash == where_hash)
            .values(password_hash=new_hash).returning(users.c.id, users.c.email)
        ).all()
        return sorted((int(r.id), str(r.email)) for r in rows)


