"""Case-insensitive substring search for all of Unicode, served by trigram indexes.

PostgreSQL's ILIKE and lower() fold only ASCII in a database whose LC_CTYPE is C (the
embedded server's, and any server set up that way), the embedded build has no ICU, and
PostgreSQL 14 to 17 have no casefold(): nothing on the server folds `ZOÉ` to `zoé` on
every server SkillHub supports. So the application folds. Each searchable text column has
a `<column>_search` companion holding its *search key*, written by the repository in the
same statement as the text, and a search compares the key of the term with `LIKE` (never
ILIKE: both sides are already folded), which a `gin_trgm_ops` index on the key serves.

The key is the text, NFKC-normalised and case-folded (Python's full Unicode case folding:
`ZOÉ`, `Zoé` and `zoé` give the same key, and so do `STRASSE` and `Straße`), then spelled
for pg_trgm: ASCII characters stay as they are, and every other character becomes
`Z` followed by its code point as six letters A–P (hex digits 0–F). pg_trgm only makes
trigrams from characters the server's LC_CTYPE calls alphanumeric, which under C is ASCII
alone: spelled this way, every letter of every script takes part in the index whatever
the server's locale. The spelling keeps substrings exact: folded ASCII has no capital
letters, so a `Z` always starts a seven-letter code and a match can only begin and end on
whole characters (the term `o` never matches inside the code of `é`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import Connection, Table, select, text
from sqlalchemy.sql.elements import ColumnElement

# Hex digits 0-F as the capital letters A-P: never produced by folded ASCII text.
_HEX_AS_LETTERS = str.maketrans("0123456789ABCDEF", "ABCDEFGHIJKLMNOP")
_BATCH = 5000


def fold(text: str) -> str:
    """`text` without case distinctions, for every script (NFKC, full case folding, NFKC)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_key(text: str) -> str:
    """What the `<column>_search` companion of a column holding `text` stores (see the module docstring)."""
    return "".join(
        char.lower() if char.isascii() else "Z" + f"{ord(char):06X}".translate(_HEX_AS_LETTERS)
        for char in fold(text)
    )


def escape_like(term: str) -> str:
    """Make `term` match literally inside a LIKE pattern."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(key_column: ColumnElement[str], term: str) -> ColumnElement[bool]:
    """The text whose search key is in `key_column` contains `term`, whatever the case; the
    characters of `term` are literal (a `%` or `_` typed by a person is text, not a wildcard)."""
    return key_column.like(f"%{escape_like(search_key(term))}%", escape="\\")


def search_keys(**texts: str) -> dict[str, str]:
    """The `<column>_search` values that go with these column values, to write alongside them."""
    return {f"{name}_search": search_key(value) for name, value in texts.items()}


def refresh_search_keys(conn: Connection, table: Table, columns: Iterable[str]) -> int:
    """Recompute the search keys of `columns` in every row of `table` (the migration that
    adds them, and rows written by bulk SQL that skips the repositories). Returns the rows."""
    names = list(columns)
    key = table.c.id
    quote = conn.dialect.identifier_preparer.quote
    # One UPDATE per batch, from arrays (an executemany would be one round trip per row).
    assignments = ", ".join(f"{quote(n + '_search')} = v.{quote(n)}" for n in names)
    arrays = ", ".join(f"CAST(:{n} AS text[])" for n in names)
    statement = text(
        f"UPDATE {quote(table.name)} AS t SET {assignments} "
        f"FROM unnest(CAST(:ids AS bigint[]), {arrays}) AS v(id, {', '.join(quote(n) for n in names)}) "
        f"WHERE t.id = v.id"
    )
    done, last = 0, None
    while True:
        query = select(key, *(table.c[name] for name in names)).order_by(key).limit(_BATCH)
        rows = conn.execute(query if last is None else query.where(key > last)).all()
        if not rows:
            return done
        params: dict[str, list[object]] = {"ids": [row[0] for row in rows]}
        for index, name in enumerate(names, start=1):
            params[name] = [search_key(row[index] or "") for row in rows]
        conn.execute(statement, params)
        done, last = done + len(rows), rows[-1][0]
