"""`skillhub dumps`: the data dumps the two briefs name, written from the demo data set and loaded back.

| file | database | content |
| --- | --- | --- |
| `skillhub_workshops.sql` | PostgreSQL | users, workshops, the registration ledger (+ the empty outbox) |
| `mongo_registrations.json` | MongoDB | registrations, their history, comments, their activity log |
| `rebootcamp.sql` | PostgreSQL | users, challenges, user_challenges, user_preferences (+ the empty outbox) |
| `mongo.json` | MongoDB | badges, badge awards, progress events, their activity log |

Export is deterministic: it starts a scratch pair of embedded servers of its own, plays
the demo steps there under the fixed DEMO_CLOCK, and writes every value itself in a fixed
order, so the files depend on the code alone (never on the user's data) and a second run
writes the same bytes. Passwords are not exported: every account carries
LOCKED_PASSWORD_HASH, which no password opens; loading gives the accounts a fresh random one.

Loading runs the two SQL files and writes the two JSON files in one PostgreSQL transaction:
the MongoDB documents are written (upserts by `_id`) before it commits, so a failure leaves
PostgreSQL empty and a second attempt overwrites the same documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from domain.bootstrap import SkillHub
from domain.errors import DumpError, ValidationError
from domain.infrastructure.migrate import ROOT
from domain.repositories.mongo.dumps import (
    DumpCollections,
    parse_dump,
    render_dump,
    shift_dates,
)
from domain.repositories.sql import schema
from domain.repositories.sql.dumps import (
    BEGIN,
    COMMIT,
    DumpTables,
    identity_column,
    insert_statements,
    inserted_columns,
    script_body,
    sequence_statement,
    table_ddl,
)

# The "now" of the demo data set in the dumps: every date in them is counted from it.
DEMO_CLOCK = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
# The bcrypt hash (cost 12) of 48 random bytes drawn once and never kept: no password
# matches it, so the accounts of the dumps cannot log in until they are given a password.
LOCKED_PASSWORD_HASH = "$2b$12$4kuy1VD7CxqPk004uRNOHOV5xLMg.5/HotctTKth0KJ0SZopzqiKi"
SQL_HEADER = "-- SkillHub data dump:"



@dataclass(frozen=True)
class SqlDump:
    """One plain-SQL dump: its tables in creation order; `schema_only` ones get no rows."""

    file: str
    title: str
    tables: tuple[Table, ...]
    schema_only: tuple[Table, ...] = ()
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DumpedCollection:
    """One collection of a JSON dump, or the part of it `query` selects."""

    name: str
    about: str
    query: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JsonDump:
    """One Extended JSON dump of several collections."""

    file: str
    title: str
    collections: tuple[DumpedCollection, ...]


# Activity-log entries follow the dump of the data they are about.
WORKSHOP_LOG_ENTITIES = ("user", "workshop")
PROGRESS_LOG_ENTITIES = ("badge", "challenge", "user_challenge")

SQL_DUMPS = (
    SqlDump("skillhub_workshops.sql", "users, workshops and the registration ledger (SkillHub workshops)",
            (schema.users, schema.outbox, schema.workshops, schema.registration_ledger),
            schema_only=(schema.outbox,), extensions=("pg_trgm",)),
    SqlDump("rebootcamp.sql", "users, challenges and their progress (RebootCamp progress and badges)",
            (schema.users, schema.outbox, schema.challenges, schema.user_challenges, schema.user_preferences),
            schema_only=(schema.outbox,), extensions=("pg_trgm",)),
)
JSON_DUMPS = (
    JsonDump("mongo_registrations.json", "registrations, their history, comments and the related activity log", (
        DumpedCollection("activity_logs", "the activity log of accounts, workshops, registrations and comments",
                         {"entity": {"$in": list(WORKSHOP_LOG_ENTITIES)}}),
        DumpedCollection("comments", "trainers' comments on workshops"),
        DumpedCollection("registration_events", "the history of registrations: one document per status change"),
        DumpedCollection("registrations", "one document per registration attempt, with attendance"),
    )),
    JsonDump("mongo.json", "badges, badge awards and the progress history", (
        DumpedCollection("activity_logs", "the activity log of challenges, badges and progress resets",
                         {"entity": {"$in": list(PROGRESS_LOG_ENTITIES)}}),
        DumpedCollection("badge_awards", "badges awarded to learners, with their evidence"),
        DumpedCollection("badges", "badge definitions and their rules"),
        DumpedCollection("progress_events", "the progress history: one document per step"),
    )),
)
DUMP_FILES = tuple(d.file for d in (*SQL_DUMPS, *JSON_DUMPS))


def default_dumps_dir() -> Path:
    """`data/` of the source tree, or of the working directory (an installed copy, e.g. the image's /app)."""
    for candidate in (ROOT / "data", Path.cwd() / "data"):
        if all((candidate / name).is_file() for name in DUMP_FILES):
            return candidate
    return ROOT / "data"


def demo_shift(now: datetime, demo_clock: datetime = DEMO_CLOCK) -> timedelta:
    """Whole days that bring the dumps' demo clock to the day of `now`, never past `now`."""
    return timedelta(days=(now - demo_clock) // timedelta(days=1))


# -- export -------------------------------------------------------------------------------

def render_dumps(skillhub: SkillHub) -> dict[str, tuple[str, str]]:
    """{file name: (content, summary)} of the four dumps, from the databases of `skillhub`."""
    pending = skillhub.services.relay.pending()
    if pending:
        raise DumpError(f"{len(pending)} outbox record(s) are not applied in MongoDB: the dumps would disagree")
    docs = DumpCollections(skillhub.resources.db)
    rendered: dict[str, tuple[str, str]] = {}
    with skillhub.resources.engine.connect() as conn:
        tables = DumpTables(conn)
        _check_coverage(tables.row_counts(), docs)
        for sql in SQL_DUMPS:
            rendered[sql.file] = _render_sql(sql, tables)
    for dump in JSON_DUMPS:
        rendered[dump.file] = _render_json(dump, docs)
    return rendered


def _check_coverage(rows: dict[str, int], docs: DumpCollections) -> None:
    """Refuse to write dumps that would silently leave demo data out."""
    dumped_tables = {f"public.{t.name}" for d in SQL_DUMPS for t in d.tables if t not in d.schema_only}
    # Not data of their own: the outbox and the undo journal (operational: what they hold is in the
    # dumped tables already), and the leaderboard's figures (rebuilt from the rest on load).
    derived = {f"public.{t.name}"
               for t in (schema.outbox, schema.change_journal, schema.learner_scores, schema.score_points)}
    left_out = [f"table {name}" for name, count in sorted(rows.items())
                if count and name not in dumped_tables and name not in derived]
    dumped = {c.name for d in JSON_DUMPS for c in d.collections}
    left_out += [f"collection {name}" for name, count in docs.counts().items() if count and name not in dumped]
    logged = {e for d in JSON_DUMPS for c in d.collections for e in c.query.get("entity", {}).get("$in", [])}
    left_out += [f"activity of entity {e!r}" for e in docs.distinct("activity_logs", "entity") if e not in logged]
    if left_out:
        raise DumpError("the demo data has " + ", ".join(left_out) + " that no dump holds: add them to the dumps")


def _render_sql(dump: SqlDump, tables: DumpTables) -> tuple[str, str]:
    contents: list[str] = []
    sections: list[str] = []
    for table in dump.tables:
        statements = [f"-- {table.name}", *table_ddl(table)]
        rows = [] if table in dump.schema_only else _exported(table, tables.rows(table))
        statements += insert_statements(table, rows)
        position = tables.identity_position(table) if identity_column(table) is not None else None
        if position is not None:
            statements.append(sequence_statement(table, position))
        sections.append("\n".join(statements))
        contents.append(f"{table.name} (schema only)" if table in dump.schema_only else f"{table.name} ({len(rows)} rows)")
    others = next(d.file for d in SQL_DUMPS if d is not dump)
    header = [
        f"{SQL_HEADER} {dump.title}.",
        f"-- Written by `skillhub dumps export` from the demo data set (demo clock {DEMO_CLOCK:%Y-%m-%dT%H:%M:%SZ}).",
        "-- Do not edit: export again. Layout and loading: docs/dumps.md.",
        "--",
        f"-- Tables: {', '.join(contents)}.",
        "-- The outbox is SkillHub's PostgreSQL->MongoDB queue: empty (the JSON dumps hold every change), its",
        "-- identity placed after the ids that the MongoDB documents already use.",
        "--",
        "-- Load into an empty database (one transaction; stops at the first error):",
        f"--   psql -v ON_ERROR_STOP=1 -q -f data/{dump.file} \"$DATABASE_URL\"",
        f"-- Tables are created IF NOT EXISTS and rows inserted ON CONFLICT DO NOTHING, so data/{others}",
        "-- loads into the same database before or after this file (they share `users`).",
        "-- The schema has no Alembic revision: for a SkillHub database use `skillhub dumps load`, which",
        "-- creates it through the migrations and also loads the MongoDB dumps.",
        "--",
        "-- Nobody can log in with these accounts: every password_hash is the bcrypt hash of a random value",
        "-- that was thrown away. `skillhub dumps load` (and the first `make run`) sets a new random password.",
        "",
        BEGIN,
        "SET LOCAL client_min_messages = warning;",
        "SET LOCAL standard_conforming_strings = on;",
        *[f"CREATE EXTENSION IF NOT EXISTS {name};" for name in dump.extensions],
    ]
    text = "\n".join(header) + "\n\n" + "\n\n".join(sections) + f"\n\n{COMMIT}\n"
    return text, ", ".join(contents)


def _exported(table: Table, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as dumped: the accounts' password hashes replaced by LOCKED_PASSWORD_HASH."""
    if table is not schema.users:
        return rows
    at = [c.name for c in inserted_columns(table)].index(schema.users.c.password_hash.name)
    return [(*row[:at], LOCKED_PASSWORD_HASH, *row[at + 1:]) for row in rows]


def _render_json(dump: JsonDump, docs: DumpCollections) -> tuple[str, str]:
    collections = {c.name: docs.documents(c.name, c.query) for c in dump.collections}
    layout = {
        "about": f"SkillHub data dump: {dump.title}.",
        "format": "MongoDB Extended JSON v2, relaxed mode (dates as {\"$date\": \"ISO-8601\"}).",
        "layout": "Every key of this object but _layout is a collection of the SkillHub MongoDB database; "
                  "its value is the array of the collection's documents, sorted by _id, one per line.",
        "written_by": "skillhub dumps export, from the demo data set; do not edit (export again).",
        "demo_clock": f"{DEMO_CLOCK:%Y-%m-%dT%H:%M:%SZ}",
        "load": "skillhub dumps load (into empty databases), or mongoimport per collection: see docs/dumps.md.",
        "collections": {
            c.name: c.about + (f" (entries whose entity is {', '.join(c.query['entity']['$in'])})"
                               if c.query else "")
            for c in dump.collections
        },
    }
    summary = ", ".join(f"{name} ({len(found)} documents)" for name, found in sorted(collections.items()))
    return render_dump(layout, collections), summary


# -- load ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DumpSet:
    """The four files, read and checked before anything is written."""

    source: Path
    scripts: tuple[str, ...]
    documents: dict[str, list[dict[str, Any]]]
    demo_clock: datetime


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote."""

    source: Path
    rows: dict[str, int]
    documents: dict[str, int]
    accounts: list[tuple[int, str]]
    shift: timedelta

    def lines(self) -> list[str]:
        rows = ", ".join(f"{name} {count}" for name, count in self.rows.items() if count)
        documents = ", ".join(f"{name} {count}" for name, count in self.documents.items())
        out = [f"Loaded the dumps of {self.source}",
               f"  PostgreSQL rows: {rows}",
               f"  MongoDB documents: {documents}"]
        if self.shift:
            out.append(f"  Dates moved by {self.shift.days} day(s), so the demo is dated around today")
        return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DumpError(f"no {path}: run 'skillhub dumps export' or pass --from DIR") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DumpError(f"{path} cannot be read ({exc.__class__.__name__})") from None


def read_dumps(source: Path, docs: DumpCollections) -> DumpSet:
    """Read the four files of `source` and check every document against its collection's validator."""
    scripts: list[str] = []
    for sql in SQL_DUMPS:
        path = source / sql.file
        text = _read(path)
        if not text.startswith(SQL_HEADER):
            raise DumpError(f"{path} is not a SkillHub SQL dump (its first line must start with '{SQL_HEADER}')")
        try:
            scripts.append(script_body(text))
        except ValueError as exc:
            raise DumpError(f"{path}: {exc}") from None
    documents: dict[str, list[dict[str, Any]]] = {}
    clocks: set[str] = set()
    for dump in JSON_DUMPS:
        path = source / dump.file
        try:
            layout, collections = parse_dump(_read(path))
        except ValueError as exc:
            raise DumpError(f"{path}: {str(exc).splitlines()[0][:200]}") from None
        expected = sorted(c.name for c in dump.collections)
        if sorted(collections) != expected:
            raise DumpError(f"{path} holds the collections {', '.join(sorted(collections)) or 'none'}, "
                            f"not {', '.join(expected)}")
        clocks.add(str(layout.get("demo_clock")))
        for name, found in collections.items():
            for document in found:
                try:
                    docs.check(name, document)
                except ValidationError as exc:
                    raise DumpError(f"{path}: {name} document {document['_id']!r}: {exc.message}") from None
            documents.setdefault(name, []).extend(found)
    if len(clocks) != 1:
        raise DumpError(f"the JSON dumps of {source} come from different exports (demo clocks {', '.join(sorted(clocks))})")
    try:
        demo_clock = datetime.fromisoformat(clocks.pop())
    except ValueError:
        raise DumpError(f"the JSON dumps of {source} have no valid demo_clock in their _layout") from None
    return DumpSet(source, tuple(scripts), documents, demo_clock)


def ensure_empty(skillhub: SkillHub) -> None:
    """DumpError naming what the databases hold, unless every table and collection is empty."""
    with skillhub.resources.uow() as uow:
        rows = uow.dump_tables.row_counts()
    held = [f"{name.removeprefix('public.')} {count} rows" for name, count in rows.items() if count]
    held += [f"{name} {count} documents" for name, count in DumpCollections(skillhub.resources.db).counts().items() if count]
    if held:
        shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
        raise DumpError(f"the databases are not empty ({shown}): dumps load only into empty databases")


def load_dumps(skillhub: SkillHub, source: Path, *, require_empty: bool = True, as_of: datetime | None = None,
               password_hash: str | None = None) -> LoadReport:
    """Load the four dumps of `source` into databases whose schema is at head.

    `as_of` moves every date by whole days so the demo's "now" becomes that day;
    `password_hash` replaces the locked hash of the dumped accounts.
    """
    docs = DumpCollections(skillhub.resources.db)
    dumps = read_dumps(source, docs)
    if require_empty:
        ensure_empty(skillhub)
    shift = demo_shift(as_of, dumps.demo_clock) if as_of is not None else timedelta(0)
    dumped_tables = list(dict.fromkeys(t for d in SQL_DUMPS for t in d.tables))
    with skillhub.resources.uow() as uow:
        tables = uow.dump_tables
        for body in dumps.scripts:
            tables.run_script(body)
        if shift:
            tables.shift_times(dumped_tables, shift)
        accounts = tables.set_password_hash(LOCKED_PASSWORD_HASH, password_hash) if password_hash else []
        counts = tables.row_counts()
        rows = {t.name: counts.get(f"public.{t.name}", 0) for t in dumped_tables}
        # MongoDB before the commit: if it fails, PostgreSQL stays empty and a new attempt starts over.
        # The moved documents are checked again (before any is written): a date shift changes them.
        try:
            written = docs.upsert({name: [shift_dates(d, shift) for d in found] if shift else found
                                   for name, found in sorted(dumps.documents.items())})
        except ValidationError as exc:
            raise DumpError(f"{source}: once its dates are moved, {exc.message}") from None
        # The log names the batches of the demo's changes: new batches must not reuse their ids.
        batch_ids = [int(d["batch"]["id"]) for d in dumps.documents.get("activity_logs", [])
                     if isinstance(d.get("batch"), dict) and str(d["batch"].get("id", "")).isdigit()]
        if batch_ids:
            uow.journal.skip_batch_ids(max(batch_ids))
        uow.commit()
    # The leaderboard's figures are derived from both databases: built once both are loaded.
    skillhub.services.doctor.rebuild_scores()
    return LoadReport(source, rows, written, accounts, shift)
