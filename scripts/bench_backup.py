"""Time `skillhub backup` and `restore` next to plain pg_dump / pg_restore, and print archive sizes.

By default it works on a scratch pair of embedded servers in a temporary directory, seeded
with the demo data plus `--users` extra users and `--documents` extra activity-log and
login-attempt documents, and stops them at the end. `--current` uses the configured
databases instead (restore puts back exactly what the backup took, but anything written
meanwhile is lost, so it asks first unless --yes).

    .venv/bin/python scripts/bench_backup.py                       # demo data
    .venv/bin/python scripts/bench_backup.py --users 20000 --documents 200000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from domain.bootstrap import SkillHub, bootstrap
from domain.config import load_settings
from domain.devdata.scratch import scratch_skillhub
from domain.devdata.seed import seed_demo
from domain.infrastructure import pgtools
from domain.models.users import SYSTEM
from domain.repositories.mongo.archive import CollectionArchive
from domain.repositories.sql.catalog import DatabaseCatalog
from domain.repositories.sql.schema import users
from domain.repositories.sql.search import search_keys
from domain.services.backup_reports import human_size

BATCH = 5000
DUMMY_HASH = "$2b$04$" + "x" * 53  # never checked: bench rows are not meant to log in


def bulk_seed(skillhub: SkillHub, extra_users: int, documents: int) -> None:
    """Synthetic volume: users rows in PostgreSQL, activity and login documents in MongoDB."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with skillhub.resources.engine.begin() as conn:
        for first in range(0, extra_users, BATCH):
            conn.execute(insert(users), [
                {"email": f"bench{i}@bench.example", "full_name": f"Bench Learner {i}", "password_hash": DUMMY_HASH,
                 "role": "learner", **search_keys(email=f"bench{i}@bench.example", full_name=f"Bench Learner {i}")}
                for i in range(first, min(extra_users, first + BATCH))
            ])
    for first in range(0, documents, BATCH):
        span = range(first, min(documents, first + BATCH))
        skillhub.resources.db["activity_logs"].insert_many([
            {"_id": f"bench-{i}", "actor_id": i % 50, "actor_email": f"bench{i % 50}@bench.example",
             "action": "bench.event", "entity": "user", "entity_id": str(i % 997),
             "at": start + timedelta(seconds=i), "details": {"n": i, "note": "synthetic"}}
            for i in span
        ])
        skillhub.resources.db["auth_events"].insert_many([
            {"email": f"bench{i % 50}@bench.example", "user_id": i % 50, "outcome": "success",
             "at": start + timedelta(seconds=i), "source": "bench"}
            for i in span
        ])


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return times


def fmt(times: list[float]) -> str:
    return f"median {statistics.median(times):7.2f} s   min {min(times):6.2f} s   max {max(times):6.2f} s"


def size(path: Path) -> str:
    return f"{human_size(path.stat().st_size):>10}"


@contextmanager
def seeded_scratch(users_extra: int, documents: int) -> Iterator[SkillHub]:
    with scratch_skillhub() as skillhub:
        seed_demo(skillhub)
        bulk_seed(skillhub, users_extra, documents)
        yield skillhub


def bench(skillhub: SkillHub, repeat: int) -> None:
    backups = skillhub.services.backups
    assert backups is not None
    connection = pgtools.Connection.from_url(skillhub.resources.endpoints.database_url)
    with skillhub.resources.engine.connect() as conn:
        catalog = DatabaseCatalog(conn)
        server_version, number = catalog.server_version()
        rows = sum(catalog.row_counts().values())
    mongo = CollectionArchive(skillhub.resources.db)
    documents = sum(mongo.count(n) for n in mongo.collection_names())
    pg_dump = pgtools.find_tool("pg_dump", pgtools.server_major(number), server_version)
    pg_restore = pgtools.find_tool("pg_restore", pgtools.server_major(number), server_version)
    print(f"Data: PostgreSQL {server_version}, {rows} rows; MongoDB {mongo.server_version()}, {documents} documents")
    print(f"Tools: {pg_dump.path} {pg_dump.version}; {pg_restore.path} {pg_restore.version}; {repeat} run(s) each\n")

    archive: list[Path] = []
    backup_times = timed(lambda: archive.append(backups.create(SYSTEM).path), repeat)
    restore_times = timed(lambda: backups.restore(SYSTEM, archive[-1]), repeat)
    with tempfile.TemporaryDirectory(prefix="skillhub-bench-dump-") as scratch:
        plain = Path(scratch) / "plain.dump"
        # The floor: pg_dump's own format and compression, nothing else.
        dump_times = timed(lambda: pgtools.run_tool(pg_dump, ["--format=custom", "--no-password", f"--file={plain}"],
                                                    connection, 10), repeat)
        pg_restore_times = timed(lambda: pgtools.restore(pg_restore, connection, plain, 10), repeat)
        dump_size = size(plain)
    read_times, write_times = mongo_floor(skillhub, repeat)
    print(f"skillhub backup         {fmt(backup_times)}   archive {size(archive[-1])}")
    print(f"  plain pg_dump -Fc     {fmt(dump_times)}   dump    {dump_size}")
    print(f"  bare Mongo find all   {fmt(read_times)}")
    print(f"skillhub restore        {fmt(restore_times)}")
    print(f"  plain pg_restore      {fmt(pg_restore_times)}")
    print(f"  bare Mongo insert all {fmt(write_times)}")
    floor_backup = statistics.median(dump_times) + statistics.median(read_times)
    floor_restore = statistics.median(pg_restore_times) + statistics.median(write_times)
    print(f"\nbackup  / (pg_dump + bare find)      = {statistics.median(backup_times) / floor_backup:.2f}x")
    print(f"restore / (pg_restore + bare insert) = {statistics.median(restore_times) / floor_restore:.2f}x")


def mongo_floor(skillhub: SkillHub, repeat: int) -> tuple[list[float], list[float]]:
    """The bare MongoDB reads and writes a backup and a restore cannot avoid (no encoding, no files)."""
    names = CollectionArchive(skillhub.resources.db).collection_names()

    def read_all() -> None:
        for name in names:
            for _ in skillhub.resources.db[name].find({}).batch_size(1000):
                pass

    documents = {name: list(skillhub.resources.db[name].find({})) for name in names}

    def write_all() -> None:
        for name, docs in documents.items():
            target = skillhub.resources.db[f"{name}__bench_floor"]
            target.drop()
            for first in range(0, len(docs), 1000):
                target.insert_many(docs[first:first + 1000])
            target.drop()

    return timed(read_all, repeat), timed(write_all, repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=0, help="extra users rows to add to the demo data")
    parser.add_argument("--documents", type=int, default=0, help="extra documents in each of two collections")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--current", action="store_true", help="use the configured databases, not scratch servers")
    parser.add_argument("--yes", action="store_true", help="with --current: do not ask before restoring")
    args = parser.parse_args(argv)
    if args.current:
        if not args.yes and input("This restores the configured databases several times; type 'yes': ") != "yes":
            return 1
        skillhub = bootstrap(load_settings())
        try:
            bench(skillhub, args.repeat)
        finally:
            skillhub.close()
        return 0
    with seeded_scratch(args.users, args.documents) as skillhub:
        bench(skillhub, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
