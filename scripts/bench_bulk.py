"""Time a bulk action on 200 rows next to the same 200 rows done one single action at a time.

Starts a scratch pair of embedded servers (a temporary directory, never your data), puts 200
learners in one workshop, then for marking attendance and cancelling registrations prints the
median and p95 (in milliseconds) of one bulk call on the 200 rows and of 200 single calls, with
their ratio, and the undo of the bulk batch. Each run is done through the services as the TUI
calls them, MongoDB writes (outbox relay) included.

    .venv/bin/python scripts/bench_bulk.py               # 200 rows, 10 runs each
    .venv/bin/python scripts/bench_bulk.py --rows 50 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import text

from domain.bootstrap import SkillHub
from domain.clock import fixed_clock, utc_now
from domain.devdata.scratch import scratch_skillhub
from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopInput
from domain.repositories.sql import schema
from domain.repositories.sql.search import refresh_search_keys

DUMMY_HASH = "$2b$04$" + "x" * 53  # never checked: bench accounts do not log in


def since(began: float) -> float:
    """Milliseconds since `began` (a perf_counter reading)."""
    return (time.perf_counter() - began) * 1000


def figures(samples: list[float]) -> str:
    p95 = sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]
    return f"{statistics.median(samples):9.1f} {p95:9.1f}"


def seed(skillhub: SkillHub, rows: int) -> tuple[Principal, list[int], int]:
    """An admin, `rows` learners (straight SQL: no bcrypt) and a workshop of `rows` seats starting tomorrow."""
    with skillhub.resources.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search) VALUES "
            "('admin@bench.example', 'Bench Admin', :h, 'admin', '', '')"), {"h": DUMMY_HASH})
        conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search) "
            "SELECT 'learner' || g || '@bench.example', 'Learner ' || lpad(g::text, 4, '0'), :h, 'learner', '', '' "
            "FROM generate_series(1, :n) g"), {"h": DUMMY_HASH, "n": rows})
        refresh_search_keys(conn, schema.users, ("email", "full_name"))
        learners = list(conn.execute(text("SELECT id FROM users WHERE role = 'learner' ORDER BY id")).scalars())
    admin = Principal(1, "admin@bench.example", "Bench Admin", Role.ADMIN)
    workshop = skillhub.services.workshops.create(admin, WorkshopInput(
        "Bulk bench", admin.user_id, utc_now() + timedelta(days=1), 120, rows, "Bench", "Room B"))
    return admin, learners, workshop.id


def register_all(skillhub: SkillHub, admin: Principal, workshop_id: int, learners: list[int]) -> None:
    for learner in learners:
        skillhub.services.registrations.register(admin, workshop_id, learner)


def bench(skillhub: SkillHub, rows: int, runs: int) -> None:
    admin, learners, wid = seed(skillhub, rows)
    services = skillhub.services
    start = services.workshops.get(admin, wid).starts_at
    # Seen once the workshop starts: attendance may be marked, staff may still cancel.
    registrations = services.registrations.with_clock(fixed_clock(start))
    bulk = services.bulk.with_clock(fixed_clock(start))
    undo = services.undo.with_clock(fixed_clock(start))
    register_all(skillhub, admin, wid, learners)

    bulk_mark: list[float] = []
    single_mark: list[float] = []
    undo_mark: list[float] = []
    for run in range(runs):
        mark = ("present", "absent")[run % 2]
        began = time.perf_counter()
        marked = bulk.mark_attendance(admin, wid, learners, mark)
        bulk_mark.append(since(began))
        assert len(marked.done) == rows and marked.batch_id is not None
        began = time.perf_counter()
        undo.undo(admin, marked.batch_id)
        undo_mark.append(since(began))
        began = time.perf_counter()
        for lid in learners:
            registrations.mark_attendance(admin, wid, {lid: mark})
        single_mark.append(since(began))

    bulk_cancel: list[float] = []
    single_cancel: list[float] = []
    undo_cancel: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        cancelled = bulk.cancel_registrations(admin, wid, learners, "bench")
        bulk_cancel.append(since(began))
        assert len(cancelled.done) == rows and cancelled.batch_id is not None
        began = time.perf_counter()
        undo.undo(admin, cancelled.batch_id)
        undo_cancel.append(since(began))
        began = time.perf_counter()
        for lid in learners:
            registrations.cancel(admin, wid, lid, "bench")
        single_cancel.append(since(began))
        register_all(skillhub, admin, wid, learners)

    print(f"{rows} rows, {runs} runs each (ms)          median       p95")
    for name, one_call, singles, undone in (("Mark attendance", bulk_mark, single_mark, undo_mark),
                                            ("Cancel registrations", bulk_cancel, single_cancel, undo_cancel)):
        ratio = statistics.median(singles) / statistics.median(one_call)
        print(f"{name}: one bulk call      {figures(one_call)}")
        print(f"{name}: {rows} single calls {figures(singles)}   ({ratio:.1f}x the bulk call)")
        print(f"{name}: undo of the batch  {figures(undone)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="rows per action (default 200)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per measurement (default 10)")
    args = parser.parse_args()
    with scratch_skillhub() as skillhub:
        bench(skillhub, args.rows, args.runs)


if __name__ == "__main__":
    main()
