"""Time the workshops screens' data loads and one registration next to their bare queries.

Seeds a scratch pair of embedded servers (in a temporary directory, never your data) with
100,000 workshops and 5,000 registrations on one workshop (500 confirmed, 4,500 on the
waitlist, each with its history event, plus 200 comments), then prints for each screen's
data load the median and p95 in milliseconds next to the floor: the same SQL and MongoDB
queries sent bare (psycopg2 and pymongo, no service, no mapping), and the ratio of medians.

    .venv/bin/python scripts/bench_workshops.py            # 100,000 workshops, 30 runs each
    .venv/bin/python scripts/bench_workshops.py --workshops 10 --runs 50
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg2
from pymongo import ASCENDING, DESCENDING
from sqlalchemy import text

from domain.bootstrap import SkillHub
from domain.devdata.scratch import scratch_skillhub
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopQuery, WorkshopScope, WorkshopSort, registration_id
from domain.repositories.mongo.counting import count
from domain.repositories.sql import schema
from domain.repositories.sql.search import refresh_search_keys, search_key

DUMMY_HASH = "$2b$04$" + "x" * 53  # never checked: bench accounts do not log in
TRAINERS = 50
LEARNERS = 5000
BIG_CAPACITY = 500
SMALL = 10
TOPICS = ["Python", "SQL", "Git", "Docker", "Kubernetes", "pandas", "Rust", "Excel", "Linux", "Networking",
          "Security", "Testing", "React", "Accessibility", "MongoDB", "PostgreSQL", "Public speaking", "Agile",
          "Design", "Statistics", "Éco-conception", "Données ouvertes", "Άλγεβρα", "Криптография"]
LEVELS = ["basics", "in practice", "advanced", "workshop", "clinic"]
PAGE = PageRequest(1, 50)
SHEET_PAGE = 100  # the registrations screen's default pages (RegistrationService.sheet)
CANCELLED_PAGE = 50
BATCH = 5000


@dataclass(frozen=True)
class World:
    """Ids the measurements use."""

    admin: Principal
    trainer: Principal
    learner: Principal
    big_workshop: int
    small_workshop: int
    open_workshop: int
    floor_workshop: int
    free_learners: list[int]
    floor_learners: list[int]


def seed(skillhub: SkillHub, workshops: int, runs: int) -> World:
    """Bulk inserts straight into both databases (fast), shaped like the services' own rows."""
    spare = 2 * (runs + 5)
    with skillhub.resources.engine.begin() as conn:
        # Search keys are left empty here and computed once every row is in (refresh_search_keys).
        conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search) VALUES "
            "('admin@bench.example', 'Bench Admin', :h, 'admin', '', '')"), {"h": DUMMY_HASH})
        conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search) "
            "SELECT 'trainer' || g || '@bench.example', 'Trainer ' || lpad(g::text, 2, '0'), :h, 'trainer', '', '' "
            "FROM generate_series(1, :n) g"), {"h": DUMMY_HASH, "n": TRAINERS})
        conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search) "
            "SELECT 'learner' || g || '@bench.example', 'Learner ' || lpad(g::text, 5, '0'), :h, 'learner', '', '' "
            "FROM generate_series(1, :n) g"), {"h": DUMMY_HASH, "n": LEARNERS + spare})
        # Ids are 1 (admin), 2..51 (trainers), 52.. (learners) on a fresh database.
        conn.execute(text(
            "INSERT INTO workshops (title, place, trainer_id, starts_at, duration_minutes, capacity, seats_taken,"
            " status, cancel_reason, cancelled_at, registrations_ever, created_at, updated_at, title_search) "
            "SELECT t.title, 'Room ' || (g % 20), 2 + g % :trainers,"
            " now() + ((g % 730) - 365) * interval '1 day' + (g % 9) * interval '1 hour',"
            " 30 + (g % 10) * 30, t.capacity, (g * 13) % (t.capacity + 1),"
            " CASE WHEN g % 50 = 0 THEN 'cancelled' ELSE 'scheduled' END,"
            " CASE WHEN g % 50 = 0 THEN 'Room unavailable' END, CASE WHEN g % 50 = 0 THEN now() END,"
            " (g * 13) % (t.capacity + 1), now(), now(), '' "
            "FROM generate_series(1, :n) g, LATERAL (SELECT"
            " (:topics)[1 + g % :nt] || ' ' || (:levels)[1 + (g / :nt) % :nl] || ' #' || g AS title,"
            " 5 + (g * 7) % 496 AS capacity) t"),
            {"trainers": TRAINERS, "n": workshops, "topics": TOPICS, "nt": len(TOPICS), "levels": LEVELS,
             "nl": len(LEVELS)})
        extra = []
        for title in ("Big workshop: Kubernetes for everyone", "Open workshop", "Floor workshop", "Small workshop"):
            extra.append(conn.execute(text(
                "INSERT INTO workshops (title, trainer_id, starts_at, duration_minutes, capacity, title_search) "
                "VALUES (:t, 2, now() + interval '30 days', 180, :c, '') RETURNING id"),
                {"t": title, "c": BIG_CAPACITY}).scalar_one())
        big, open_, floor, small = extra
        refresh_search_keys(conn, schema.users, ("email", "full_name"))
        refresh_search_keys(conn, schema.workshops, ("title",))
        _seed_registrations(conn, skillhub, big, LEARNERS)
        _seed_registrations(conn, skillhub, small, SMALL)
    now = skillhub.resources.clock()
    skillhub.resources.db["comments"].insert_many([
        {"_id": f"bench:{w}:{i}", "workshop_id": w, "author_id": 2, "author_name": "Trainer 01",
         "body": f"Note {i}: room, material and follow-up.", "at": now - timedelta(hours=i)}
        for w, n in ((big, 200), (small, 3)) for i in range(n)
    ])
    with skillhub.resources.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    first_free = 52 + LEARNERS
    free = list(range(first_free, first_free + spare))
    return World(
        admin=Principal(1, "admin@bench.example", "Bench Admin", Role.ADMIN),
        trainer=Principal(2, "trainer1@bench.example", "Trainer 01", Role.TRAINER),
        learner=Principal(52, "learner1@bench.example", "Learner 00001", Role.LEARNER),
        big_workshop=big, small_workshop=small, open_workshop=open_, floor_workshop=floor,
        free_learners=free[: spare // 2], floor_learners=free[spare // 2:],
    )


def _seed_registrations(conn: Any, skillhub: SkillHub, workshop_id: int, count_: int) -> None:
    """`count_` registrations of the first learners (first 500 confirmed, the rest waiting), in
    the ledger and as MongoDB documents with one history event each, as the skillhub write them."""
    seats = min(count_, BIG_CAPACITY)
    conn.execute(text(
        "INSERT INTO registration_ledger (workshop_id, learner_id, attempt, status, waitlist_position,"
        " registered_at, updated_at) "
        "SELECT :w, 51 + g, 1, CASE WHEN g <= :cap THEN 'confirmed' ELSE 'waitlisted' END,"
        " CASE WHEN g > :cap THEN g - :cap END, now() - (:n - g) * interval '1 minute', now() "
        "FROM generate_series(1, :n) g"), {"w": workshop_id, "cap": seats, "n": count_})
    conn.execute(text(
        "UPDATE workshops SET seats_taken = :cap, waitlisted = :wait, waitlist_seq = :wait,"
        " registrations_ever = :n WHERE id = :w"),
        {"cap": seats, "wait": count_ - seats, "n": count_, "w": workshop_id})
    ledger = conn.execute(text(
        "SELECT learner_id, status, waitlist_position, registered_at, updated_at FROM registration_ledger "
        "WHERE workshop_id = :w ORDER BY learner_id"), {"w": workshop_id}).all()
    docs, events = [], []
    for row in ledger:
        rid = registration_id(workshop_id, row.learner_id, 1)
        docs.append({"_id": rid, "workshop_id": workshop_id, "learner_id": row.learner_id, "attempt": 1,
                     "status": row.status, "waitlist_position": row.waitlist_position,
                     "registered_at": row.registered_at, "updated_at": row.updated_at, "attendance": None,
                     "attendance_at": None, "attendance_by": None, "cancel_reason": None, "version": 1})
        events.append({"_id": f"bench:{rid}", "registration_id": rid, "workshop_id": workshop_id,
                       "learner_id": row.learner_id, "from_status": None, "to_status": row.status,
                       "by": {"id": row.learner_id, "email": f"learner{row.learner_id - 51}@bench.example"},
                       "at": row.registered_at, "reason": None, "outbox_id": row.learner_id, "n": 0})
    for start in range(0, len(docs), BATCH):
        skillhub.resources.db["registrations"].insert_many(docs[start:start + BATCH])
        skillhub.resources.db["registration_events"].insert_many(events[start:start + BATCH])


# -- the floor: the same queries, bare ---------------------------------------------------------
LIST_COLUMNS = ("w.id, w.title, w.description, w.place, w.trainer_id, u.full_name, w.starts_at, w.duration_minutes,"
                " w.capacity, w.seats_taken, w.waitlisted, w.status, w.cancel_reason, w.cancelled_at,"
                " w.registrations_ever, w.created_at, w.updated_at")
# The search keys' LIKE, as the repository sends it (search.py: case-folded keys, trigram indexes).
SEARCH = ("(w.title_search LIKE %(p)s OR w.trainer_id = ANY(ARRAY(SELECT id FROM users"
          " WHERE full_name_search LIKE %(p)s)))")


def bare_list(cur: Any, where: str, order: str, params: dict[str, Any], offset: int = 0) -> list[Any]:
    cur.execute(f"SELECT count(*) FROM workshops w WHERE {where}", params)
    cur.fetchall()
    cur.execute(f"SELECT {LIST_COLUMNS} FROM workshops w JOIN users u ON u.id = w.trainer_id WHERE {where}"
                f" ORDER BY {order} LIMIT 50 OFFSET {offset}", params)
    return cur.fetchall()


def bare_catalog(cur: Any, where: str, params: dict[str, Any], learner_id: int) -> None:
    rows = bare_list(cur, where, "w.starts_at, w.id", params)
    cur.execute("SELECT l.workshop_id, l.status, (SELECT count(*) FROM registration_ledger o"
                " WHERE o.workshop_id = l.workshop_id AND o.status = 'waitlisted'"
                " AND o.waitlist_position <= l.waitlist_position) FROM registration_ledger l"
                " WHERE l.learner_id = %s AND l.workshop_id = ANY(%s)", (learner_id, [r[0] for r in rows]))
    cur.fetchall()


def bare_sheet(cur: Any, skillhub: SkillHub, workshop_id: int) -> None:
    cur.execute(f"SELECT {LIST_COLUMNS} FROM workshops w JOIN users u ON u.id = w.trainer_id WHERE w.id = %s",
                (workshop_id,))
    cur.fetchall()
    registrations, events, comments = (skillhub.resources.db[n] for n in ("registrations", "registration_events", "comments"))
    shown: list[dict[str, Any]] = []
    for status, order, size in (("confirmed", [("registered_at", ASCENDING), ("_id", ASCENDING)], SHEET_PAGE),
                                ("waitlisted", [("waitlist_position", ASCENDING)], SHEET_PAGE),
                                ("cancelled", [("updated_at", DESCENDING), ("_id", ASCENDING)], CANCELLED_PAGE)):
        query = {"workshop_id": workshop_id, "status": status}
        count(registrations, query)
        shown += list(registrations.aggregate([{"$match": query}, {"$sort": dict(order)}, {"$skip": 0},
                                               {"$limit": size}]))
    list(events.find({"registration_id": {"$in": [d["_id"] for d in shown]}}).sort([("outbox_id", 1), ("n", 1)]))
    count(comments, {"workshop_id": workshop_id})
    list(comments.find({"workshop_id": workshop_id}).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(50))
    cur.execute("SELECT id, email, full_name, role, is_active, created_at, updated_at FROM users WHERE id = ANY(%s)",
                (sorted({d["learner_id"] for d in shown}),))
    cur.fetchall()
    cur.execute("SELECT count(*) FROM outbox WHERE applied_at IS NULL")
    cur.fetchall()


def bare_register(conn: Any, skillhub: SkillHub, workshop_id: int, learner_id: int) -> None:
    """The statements a registration cannot do without: seat, ledger row, outbox; then the documents."""
    now = skillhub.resources.clock()
    with conn.cursor() as cur:
        cur.execute("UPDATE workshops SET seats_taken = seats_taken + 1, registrations_ever = registrations_ever + 1"
                    " WHERE id = %s AND status = 'scheduled' AND seats_taken < capacity AND waitlisted = 0"
                    " RETURNING id", (workshop_id,))
        cur.fetchall()
        cur.execute("INSERT INTO registration_ledger (workshop_id, learner_id, attempt, status, registered_at,"
                    " updated_at) VALUES (%s, %s, 1, 'confirmed', %s, %s)", (workshop_id, learner_id, now, now))
        # Born applied: a pending record of an unknown kind would sit in front of the real
        # relay's queue and be retried (and logged) by every measured registration.
        cur.execute("INSERT INTO outbox (kind, payload, applied_at) VALUES ('bench', '{}', now()) RETURNING id")
        cur.fetchall()
    conn.commit()
    rid = registration_id(workshop_id, learner_id, 1)
    skillhub.resources.db["registrations"].insert_one(
        {"_id": rid, "workshop_id": workshop_id, "learner_id": learner_id, "attempt": 1, "status": "confirmed",
         "waitlist_position": None, "registered_at": now, "updated_at": now, "version": 1})
    skillhub.resources.db["registration_events"].insert_one(
        {"_id": f"bench:{rid}", "registration_id": rid, "workshop_id": workshop_id, "learner_id": learner_id,
         "from_status": None, "to_status": "confirmed", "by": {"id": learner_id, "email": "x"}, "at": now,
         "reason": None, "outbox_id": 1, "n": 0})


# -- measuring -----------------------------------------------------------------------------------
def timed(action: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return times


def timed_pair(action: Callable[[], object], floor: Callable[[], object], runs: int,
               warmup: int = 3) -> tuple[list[float], list[float]]:
    """Time `action` and `floor` in turn, alternating which goes first."""
    for _ in range(warmup):
        action()
        floor()
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(runs):
        order = ((0, action), (1, floor)) if i % 2 == 0 else ((1, floor), (0, action))
        for slot, fn in order:
            began = time.perf_counter()
            fn()
            samples[slot].append((time.perf_counter() - began) * 1000)
    return samples


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, measured: list[float], floor: list[float]) -> None:
    ratio = statistics.median(measured) / statistics.median(floor)
    print(f"{name:<38} {statistics.median(measured):8.2f} {p95(measured):8.2f}   "
          f"{statistics.median(floor):8.2f} {p95(floor):8.2f}   {ratio:5.2f}x")


def bench(skillhub: SkillHub, world: World, runs: int) -> None:
    dsn = skillhub.resources.endpoints.database_url.replace("postgresql+psycopg2://", "postgresql://")
    raw = psycopg2.connect(dsn)
    raw.autocommit = True
    cur = raw.cursor()
    registrations, workshops = skillhub.services.registrations, skillhub.services.workshops
    upcoming = "w.status = 'scheduled' AND w.starts_at >= %(now)s"
    params = {"now": skillhub.resources.clock(), "p": f"%{search_key('kubernetes')}%"}
    trainer_params = {"now": skillhub.resources.clock(), "p": f"%{search_key('trainer 07')}%"}
    print(f"{'data load (ms)':<38} {'median':>8} {'p95':>8}   {'floor':>8} {'fl.p95':>8}   ratio")
    report("workshops list, first page",
           timed(lambda: workshops.list(world.admin, WorkshopQuery(), PAGE), runs),
           timed(lambda: bare_list(cur, upcoming, "w.starts_at, w.id", params), runs))
    report("workshops list, search title",
           timed(lambda: workshops.list(world.admin, WorkshopQuery(search="kubernetes"), PAGE), runs),
           timed(lambda: bare_list(cur, f"{upcoming} AND {SEARCH}", "w.starts_at, w.id", params), runs))
    report("workshops list, search trainer",
           timed(lambda: workshops.list(world.admin, WorkshopQuery(search="trainer 07"), PAGE), runs),
           timed(lambda: bare_list(cur, f"{upcoming} AND {SEARCH}", "w.starts_at, w.id", trainer_params), runs))
    report("workshops list, by fill rate",
           timed(lambda: workshops.list(world.admin, WorkshopQuery(sort=WorkshopSort.FILL_RATE), PAGE), runs),
           timed(lambda: bare_list(cur, upcoming, "w.fill_permille DESC, w.starts_at, w.id", params), runs))
    report("workshops list, past, page 100",
           timed(lambda: workshops.list(world.admin, WorkshopQuery(WorkshopScope.PAST), PageRequest(100, 50)), runs),
           timed(lambda: bare_list(cur, "w.status = 'scheduled' AND w.starts_at < %(now)s",
                                   "w.starts_at DESC, w.id DESC", params, offset=4950), runs))
    report("learner catalog, first page",
           timed(lambda: workshops.catalog(world.learner, PAGE), runs),
           timed(lambda: bare_catalog(cur, upcoming, params, world.learner.user_id), runs))
    report("registrations screen, 5,000 regs",
           timed(lambda: registrations.sheet(world.trainer, world.big_workshop), runs),
           timed(lambda: bare_sheet(cur, skillhub, world.big_workshop), runs))
    report(f"registrations screen, {SMALL} regs",
           timed(lambda: registrations.sheet(world.trainer, world.small_workshop), runs),
           timed(lambda: bare_sheet(cur, skillhub, world.small_workshop), runs))
    learners = iter(world.free_learners)
    floor_learners = iter(world.floor_learners)
    floor_conn = psycopg2.connect(dsn)
    # Interleaved, one of each in turn (alternating which goes first), so both see the same
    # load on a shared machine.
    measured, floor = timed_pair(
        lambda: registrations.register(world.admin, world.open_workshop, next(learners)),
        lambda: bare_register(floor_conn, skillhub, world.floor_workshop, next(floor_learners)), runs)
    report("one registration (PG + outbox + Mongo)", measured, floor)
    floor_conn.close()
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=100_000, help="workshops to seed (default 100000)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement (default 30)")
    args = parser.parse_args()
    with scratch_skillhub() as skillhub:
        began = time.perf_counter()
        world = seed(skillhub, args.workshops, args.runs)
        print(f"Seeded {args.workshops:,} workshops (+4 for the runs), {LEARNERS:,} registrations on workshop "
              f"{world.big_workshop} ({BIG_CAPACITY} confirmed, {LEARNERS - BIG_CAPACITY:,} waiting) "
              f"in {time.perf_counter() - began:.1f} s; {args.runs} runs each.\n")
        bench(skillhub, world, args.runs)


if __name__ == "__main__":
    main()
