"""Benchmark of the progress screen and the leaderboard at scale, next to their bare queries.

Seeds, in a temporary data directory with its own embedded servers: 10,000 learners,
200 challenges, their `user_challenges` rows, about 1,000,000 `progress_events` (or as
many as the MongoDB server stores within --mongo-budget seconds: the count actually
seeded is printed), attendance documents and badge awards. Then it times:

- the progress screen: `ScoreService.user_progress` for random learners;
- one leaderboard page with the viewer's rank: `LeaderboardService.page` all time, last 30
  days, one category, one category over 30 days, read from the maintained figures
  (`score_points`, `learner_scores`, built once by a full rebuild after seeding);
- the same page computed in full from the sources (`recomputed_page`, the computation the
  leaderboard used before issue 11 and the oracle of its tests);

each next to the "floor": the same SQL and MongoDB queries sent bare (one psycopg2
cursor, raw pymongo) with no service around them. Run: `.venv/bin/python scripts/bench_progress.py`.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from domain.bootstrap import SkillHub, bootstrap  # noqa: E402
from domain.config import Settings  # noqa: E402
from domain.infrastructure.connections import Endpoints  # noqa: E402
from domain.infrastructure.embedded import EmbeddedServers  # noqa: E402
from domain.infrastructure.migrate import upgrade  # noqa: E402
from domain.models.paging import PageRequest  # noqa: E402
from domain.models.progress import Category, EventKind  # noqa: E402
from domain.models.scores import Period  # noqa: E402
from domain.models.users import SYSTEM, Principal, Role  # noqa: E402
from domain.repositories.mongo.attendance import REGISTRATIONS  # noqa: E402
from domain.repositories.mongo.badges import epoch_ms  # noqa: E402
from domain.repositories.mongo.progress_events import ProgressEventRepository, event_document  # noqa: E402
from domain.repositories.sql import scores as score_sql  # noqa: E402
from domain.repositories.sql.schema import challenges, user_challenges, users, workshops  # noqa: E402
from domain.repositories.sql.search import search_keys  # noqa: E402
from domain.security.passwords import PasswordHasher  # noqa: E402

BATCH = 10_000
CATEGORIES = [c.value for c in Category]


def log(message: str) -> None:
    print(message, flush=True)


# -- seeding ----------------------------------------------------------------------------------
def seed_postgres(skillhub: SkillHub, n_learners: int, n_challenges: int) -> tuple[list[int], list[tuple[int, str, int]]]:
    password_hash = PasswordHasher(4).hash("benchmark password")
    now = skillhub.resources.clock()
    with skillhub.resources.engine.begin() as conn:
        conn.execute(insert(users), [
            {"email": f"learner{i:05d}@bench.example", "full_name": f"Learner {i:05d}", "password_hash": password_hash,
             "role": Role.LEARNER.value, "created_at": now, "updated_at": now,
             **search_keys(email=f"learner{i:05d}@bench.example", full_name=f"Learner {i:05d}")}
            for i in range(n_learners)
        ])
        conn.execute(insert(challenges), [
            {"title": f"Bench challenge {i:03d}", "description": "", "category": CATEGORIES[i % len(CATEGORIES)],
             "points": 10 + (i * 37) % 491, "difficulty": ("easy", "medium", "hard")[i % 3], "is_active": True,
             "created_at": now, "updated_at": now, **search_keys(title=f"Bench challenge {i:03d}", description="")}
            for i in range(n_challenges)
        ])
        learner_ids = list(conn.execute(select(users.c.id).where(users.c.role == "learner").order_by(users.c.id)).scalars())
        catalogue = [(r.id, r.category, r.points) for r in conn.execute(
            select(challenges.c.id, challenges.c.category, challenges.c.points).order_by(challenges.c.id))]
    return learner_ids, catalogue


def plan_learner(rng: random.Random, learner_id: int, catalogue: list[tuple[int, str, int]],
                 now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One learner's rows and history: 10–29 challenges, ~5 steps each (~100 events), over the last 180 days."""
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for challenge_id, category, points in rng.sample(catalogue, rng.randint(10, 29)):
        at = now - timedelta(days=180 * rng.random())
        started = at
        steps = [(EventKind.STARTED, 0, 0)]
        percent = 0
        for _ in range(rng.randint(1, 6)):
            percent = min(99, percent + rng.randint(5, 30))
            steps.append((EventKind.PROGRESS, percent, 0))
        completed = rng.random() < 0.6
        if completed:
            steps.append((EventKind.COMPLETED, 100, points))
        for kind, value, earned in steps:
            events.append(event_document(learner_id, challenge_id, kind, value, earned, learner_id, min(at, now),
                                         None, Category(category)))
            at += timedelta(hours=rng.randint(2, 60))
        last = min(at, now)
        rows.append({
            "user_id": learner_id, "challenge_id": challenge_id, "status": "completed" if completed else "started",
            "percent": 100 if completed else percent, "started_at": started,
            "completed_at": last if completed else None, "points_awarded": points if completed else 0,
            "updated_at": last,
        })
    return rows, events


def seed_progress(skillhub: SkillHub, learner_ids: list[int], catalogue: list[tuple[int, str, int]],
                  target_events: int, budget_s: float) -> tuple[int, int, int, float]:
    """Rows in PostgreSQL and history in MongoDB, learner by learner, until the target or the budget."""
    rng = random.Random(2026)
    now = skillhub.resources.clock()
    repo = ProgressEventRepository(skillhub.resources.db)
    pending_rows: list[dict[str, Any]] = []
    pending_events: list[tuple[str, dict[str, Any]]] = []
    n_rows = n_events = learners_done = generated = 0
    started = time.perf_counter()
    for learner_id in learner_ids:
        rows, events = plan_learner(rng, learner_id, catalogue, now)
        pending_rows += rows
        pending_events += [(f"bench:{generated + i}", doc) for i, doc in enumerate(events)]
        generated += len(events)
        learners_done += 1
        if len(pending_events) >= BATCH:
            n_events += repo.put_many(pending_events)
            pending_events = []
            if n_events // 100_000 != (n_events - BATCH) // 100_000:
                log(f"  {n_events:>9,} events in {time.perf_counter() - started:5.0f} s")
        if len(pending_rows) >= BATCH:
            with skillhub.resources.engine.begin() as conn:
                conn.execute(insert(user_challenges), pending_rows)
            n_rows += len(pending_rows)
            pending_rows = []
        if n_events >= target_events or time.perf_counter() - started > budget_s:
            break
    n_events += repo.put_many(pending_events)
    if pending_rows:
        with skillhub.resources.engine.begin() as conn:
            conn.execute(insert(user_challenges), pending_rows)
        n_rows += len(pending_rows)
    return learners_done, n_rows, n_events, time.perf_counter() - started


def seed_attendance(skillhub: SkillHub, learner_ids: list[int]) -> int:
    """299 workshops held over the last 20 weeks (PostgreSQL), 30 % of learners attending 1–5."""
    rng = random.Random(7)
    now = skillhub.resources.clock()
    with skillhub.resources.engine.begin() as conn:
        trainer_id = conn.execute(insert(users).returning(users.c.id), {
            "email": "trainer@bench.example", "full_name": "Bench Trainer", "password_hash": "x" * 60,
            "role": Role.TRAINER.value, "created_at": now, "updated_at": now,
            **search_keys(email="trainer@bench.example", full_name="Bench Trainer")}).scalar_one()
        workshop_ids = list(conn.execute(insert(workshops).returning(workshops.c.id), [
            {"title": f"Bench workshop {i:03d}", "trainer_id": trainer_id, "duration_minutes": 90, "capacity": 500,
             "starts_at": now - timedelta(days=140 * (i + 1) / 300), "created_at": now, "updated_at": now,
             **search_keys(title=f"Bench workshop {i:03d}")}
            for i in range(299)
        ]).scalars())
    docs = [
        {"workshop_id": w, "learner_id": learner_id, "status": "confirmed",
         "attendance": rng.choice(["present", "present", "late", "absent"])}
        for learner_id in learner_ids if rng.random() < 0.3 for w in rng.sample(workshop_ids, rng.randint(1, 5))
    ]
    for i in range(0, len(docs), BATCH):
        skillhub.resources.db[REGISTRATIONS].insert_many(docs[i:i + BATCH])
    return len(docs)


def seed_badges(skillhub: SkillHub) -> None:
    assert skillhub.services.badges is not None
    for code, rule, threshold, category, bonus in (
        ("first-steps", "challenges_completed", 1, None, 10),
        ("energy-saver", "challenges_completed", 3, "energy", 25),
        ("high-scorer", "points", 3000, None, 50),
        ("workshop-regular", "workshops_attended", 3, None, 20),
        ("steady-streak", "streak_days", 4, None, 30),
    ):
        skillhub.services.badges.apply(SYSTEM, code, code.replace("-", " ").title(), "", rule, threshold, category, bonus)


# -- the floor: the same queries, bare ----------------------------------------------------------
PROGRESS_SQL = [
    "SELECT id, email, full_name, role, is_active, created_at, updated_at FROM users WHERE id = %(u)s",
    "SELECT uc.user_id, uc.challenge_id, c.title, c.category, c.points, uc.status, uc.percent, uc.started_at,"
    " uc.completed_at, uc.points_awarded, uc.updated_at FROM user_challenges uc JOIN challenges c"
    " ON c.id = uc.challenge_id WHERE uc.user_id = %(u)s ORDER BY uc.updated_at DESC, uc.challenge_id",
    "SELECT user_id, sum(points_awarded), count(*), max(completed_at) FROM user_challenges"
    " WHERE status = 'completed' AND user_id IN (%(u)s) GROUP BY user_id",
    "SELECT date_trunc('week', timezone('UTC', completed_at)) AS week, sum(points_awarded) FROM user_challenges"
    " WHERE user_id = %(u)s AND status = 'completed' AND completed_at >= %(since)s GROUP BY week",
    "SELECT * FROM challenges WHERE id = ANY(%(ids)s)",
]

RANKING_SQL = """
SELECT u.id, u.full_name, coalesce(a.points, 0), coalesce(a.completed, 0), a.last_at
FROM users u LEFT OUTER JOIN (
    SELECT uc.user_id, sum(uc.points_awarded) AS points, count(*) AS completed, max(uc.completed_at) AS last_at
    FROM user_challenges uc {join}
    WHERE uc.status = 'completed' {where}
    GROUP BY uc.user_id
) a ON a.user_id = u.id
WHERE u.role = 'learner' AND u.is_active IS true
"""


def bonus_pipeline(match: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"$match": match},
            {"$group": {"_id": "$user_id", "bonus": {"$sum": "$bonus_points"}, "last": {"$max": "$awarded_ms"}}}]


def attended_pipeline(match: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"$match": {"attendance": {"$in": ["present", "late"]}, **match}},
            {"$group": {"_id": "$learner_id", "n": {"$sum": 1}}}]


def floor_progress(raw: Any, db: Any, user_id: int, now: datetime) -> None:
    match = {"$match": {"user_id": user_id}}
    list(db.progress_events.aggregate([match, {"$count": "n"}]))
    page = list(db.progress_events.aggregate([match, {"$sort": {"at": -1, "_id": -1}}, {"$skip": 0}, {"$limit": 20}]))
    with raw.cursor() as cur:
        for sql in PROGRESS_SQL:
            cur.execute(sql, {"u": user_id, "since": now - timedelta(weeks=12),
                              "ids": sorted({e["challenge_id"] for e in page})})
            cur.fetchall()
    raw.rollback()
    list(db.badge_awards.aggregate(bonus_pipeline({"counts_until_ms": {"$gt": epoch_ms(now)}, "user_id": user_id})))
    list(db.registrations.aggregate(attended_pipeline({"learner_id": user_id})))
    attended = list(db.registrations.aggregate([
        {"$match": {"attendance": {"$in": ["present", "late"]}, "learner_id": user_id}},
        {"$group": {"_id": "$workshop_id"}}]))
    with raw.cursor() as cur:
        cur.execute("SELECT * FROM workshops WHERE id = ANY(%(ids)s)", {"ids": [d["_id"] for d in attended]})
        cur.fetchall()
    raw.rollback()
    list(db.badge_awards.aggregate([match, {"$sort": {"awarded_at": -1, "_id": 1}}]))
    list(db.badges.find({}))


def floor_leaderboard(raw: Any, db: Any, viewer: int, now: datetime, category: str | None,
                      since: datetime | None) -> None:
    join = "JOIN challenges c ON c.id = uc.challenge_id AND c.category = %(cat)s" if category else ""
    where = "AND uc.completed_at >= %(since)s" if since else ""
    with raw.cursor() as cur:
        cur.execute(RANKING_SQL.format(join=join, where=where), {"cat": category, "since": since})
        rows = cur.fetchall()
        cur.execute("SELECT leaderboard_hide_names FROM user_preferences WHERE user_id = %(u)s", {"u": viewer})
        cur.fetchall()
        held_in: list[int] = []
        if since and not category:
            cur.execute("SELECT id FROM workshops WHERE status = 'scheduled' AND starts_at >= %(since)s"
                        " AND starts_at < %(now)s", {"since": since, "now": now})
            held_in = [r[0] for r in cur.fetchall()]
    raw.rollback()
    match: dict[str, Any] = {"counts_until_ms": {"$gt": epoch_ms(now)}}
    if category:
        match["category"] = category
    if since:
        match["awarded_ms"] = {"$gte": epoch_ms(since)}
    bonus = {d["_id"]: d["bonus"] for d in db.badge_awards.aggregate(bonus_pipeline(match), batchSize=5000)}
    attended = {} if category else {
        d["_id"]: d["n"] for d in db.registrations.aggregate(
            attended_pipeline({"workshop_id": {"$in": held_in}} if since else {}), batchSize=5000)}
    # The floor still has to merge and sort to answer a page.
    sorted(rows, key=lambda r: (-(r[2] + bonus.get(r[0], 0) + 10 * attended.get(r[0], 0)), r[0]))


def _bare(sql: str) -> str:
    """A SQLAlchemy `text()` statement (`:name` parameters) as psycopg2 takes it."""
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)


def floor_maintained(raw: Any, viewer: int, now: datetime, category: str | None, since: datetime | None) -> None:
    """The maintained board's statements, bare: its privacy preference, then the page, the
    count and the viewer's rank in one statement."""
    params: dict[str, Any] = {"limit": 50, "offset": 0, "viewer": viewer, "workshop_points": 10}
    with raw.cursor() as cur:
        cur.execute("SELECT leaderboard_hide_names FROM user_preferences WHERE user_id = %(viewer)s", params)
        cur.fetchall()
        if category is None and since is None:
            cur.execute(_bare(score_sql._ALL_TIME), params)
        else:
            where, filters = score_sql.window_filter(now, since, category)
            cur.execute(_bare(score_sql._WINDOW_BOARD.replace("{where}", where)), {**params, **filters})
        cur.fetchall()
    raw.rollback()


# -- timing ---------------------------------------------------------------------------------------
def timed_pair(service: Callable[[int], object], floor: Callable[[int], object],
               args: list[int], warmup: int = 2) -> tuple[list[float], list[float]]:
    """Time the service call and its floor on the same arguments, interleaved, so that both
    see the same load (the machine is shared) and the same cache state."""
    for arg in args[:warmup]:
        service(arg)
        floor(arg)
    samples: tuple[list[float], list[float]] = ([], [])
    for i, arg in enumerate(args):
        order = ((0, service), (1, floor)) if i % 2 == 0 else ((1, floor), (0, service))
        for slot, fn in order:
            start = time.perf_counter()
            fn(arg)
            samples[slot].append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, pair: tuple[list[float], list[float]]) -> None:
    service, floor = pair
    ratio = statistics.median(service) / statistics.median(floor)
    log(f"{name:<34} {statistics.median(service):8.1f} {p95(service):8.1f}   "
        f"{statistics.median(floor):8.1f} {p95(floor):8.1f}   {ratio:5.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--challenges", type=int, default=200)
    parser.add_argument("--events", type=int, default=1_000_000, help="progress events to aim for")
    parser.add_argument("--mongo-budget", type=float, default=280.0, help="seconds allowed for loading events")
    parser.add_argument("--samples", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--board-samples", type=int, default=60, help="timed runs per maintained board")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="skillhub-bench-"))
    servers = EmbeddedServers(data_dir)
    try:
        log(f"Starting embedded servers in {data_dir} ...")
        urls = servers.ensure_started()
        endpoints = Endpoints(urls.database_url, urls.mongo_url, "skillhub_bench", "x" * 64, embedded=True)
        settings = Settings(database_url=urls.database_url, mongo_url=urls.mongo_url, mongo_db="skillhub_bench",
                            secret_key="x" * 64, token_ttl_minutes=60, bcrypt_rounds=10, data_dir=data_dir,
                            backup_dir=data_dir / "backups", backup_keep=1, connect_timeout_s=10.0)
        skillhub = bootstrap(settings, endpoints=endpoints)
        upgrade(skillhub.resources.engine, skillhub.resources.db)
        assert skillhub.services.scores and skillhub.services.leaderboard and skillhub.services.badges

        t0 = time.perf_counter()
        learner_ids, catalogue = seed_postgres(skillhub, args.learners, args.challenges)
        seed_badges(skillhub)
        log(f"Seeded {len(learner_ids):,} learners and {len(catalogue)} challenges in {time.perf_counter() - t0:.1f} s")
        log(f"Loading progress (target {args.events:,} events, budget {args.mongo_budget:.0f} s) ...")
        done, n_rows, n_events, load_s = seed_progress(skillhub, learner_ids, catalogue, args.events, args.mongo_budget)
        log(f"Seeded {n_rows:,} user_challenges rows and {n_events:,} progress_events for {done:,} learners "
            f"in {load_s:.0f} s ({n_events / load_s:,.0f} events/s)")
        t0 = time.perf_counter()
        n_reg = seed_attendance(skillhub, learner_ids)
        trainer = Principal(0, "bench@example.org", "Bench", Role.TRAINER, "bench")
        n_awards = skillhub.services.badges.evaluate_all(trainer)
        log(f"Seeded {n_reg:,} registrations and {n_awards:,} badge awards (evaluate_all) in "
            f"{time.perf_counter() - t0:.1f} s")
        # Rows went in bulk, around the services: build the maintained figures once, as a
        # restore or `skillhub doctor --repair` does.
        t0 = time.perf_counter()
        skillhub.services.doctor.rebuild_scores()
        log(f"Rebuilt the leaderboard's maintained figures in {time.perf_counter() - t0:.1f} s")

        rng = random.Random(99)
        sample = rng.sample(learner_ids[:done], min(args.samples, done))
        now = datetime.now(UTC)
        raw = skillhub.resources.engine.raw_connection()
        db = skillhub.resources.db
        viewer = lambda uid: Principal(uid, "", "", Role.LEARNER, "bench")  # noqa: E731
        log("")
        log(f"{'times in ms (30 / 15 runs)':<34} {'median':>8} {'p95':>8}   "
            f"{'floor':>8} {'p95':>8}   ratio")
        report("progress screen (user_progress)", timed_pair(
            lambda uid: skillhub.services.scores.user_progress(viewer(uid), uid),
            lambda uid: floor_progress(raw, db, uid, now), sample))
        page = PageRequest(1, 50)
        board = skillhub.services.leaderboard
        lb_sample = rng.sample(learner_ids[:done], min(args.board_samples, done))
        month = now - timedelta(days=30)
        log(f"leaderboard rows: {len(lb_sample)} viewers each, page of 50 with the viewer's rank;"
            " floor = the same statements sent bare")
        report("board, all time", timed_pair(
            lambda uid: board.page(viewer(uid), page),
            lambda uid: floor_maintained(raw, uid, now, None, None), lb_sample))
        report("board, 30 days", timed_pair(
            lambda uid: board.page(viewer(uid), page, None, Period.LAST_30_DAYS),
            lambda uid: floor_maintained(raw, uid, now, None, month), lb_sample))
        report("board, energy (all time)", timed_pair(
            lambda uid: board.page(viewer(uid), page, "energy"),
            lambda uid: floor_maintained(raw, uid, now, "energy", None), lb_sample))
        report("board, energy, 30 days", timed_pair(
            lambda uid: board.page(viewer(uid), page, "energy", Period.LAST_30_DAYS),
            lambda uid: floor_maintained(raw, uid, now, "energy", month), lb_sample))
        log("full recomputation from the sources (the leaderboard before issue 11), next to its bare queries:")
        report("recomputed, all time", timed_pair(
            lambda uid: board.recomputed_page(viewer(uid), page),
            lambda uid: floor_leaderboard(raw, db, uid, now, None, None), sample[:15]))
        report("recomputed, 30 days", timed_pair(
            lambda uid: board.recomputed_page(viewer(uid), page, None, Period.LAST_30_DAYS),
            lambda uid: floor_leaderboard(raw, db, uid, now, None, month), sample[:15]))
        report("recomputed, energy, 30 days", timed_pair(
            lambda uid: board.recomputed_page(viewer(uid), page, "energy", Period.LAST_30_DAYS),
            lambda uid: floor_leaderboard(raw, db, uid, now, "energy", month), sample[:15]))
        same = all(board.page(viewer(uid), page, c, p) == board.recomputed_page(viewer(uid), page, c, p)
                   for uid in sample[:3] for c, p in ((None, Period.ALL_TIME), (None, Period.LAST_30_DAYS),
                                                      ("energy", Period.ALL_TIME), ("energy", Period.LAST_30_DAYS)))
        log(f"maintained boards equal the full recomputation for 3 viewers x 4 boards: {same}")
        raw.close()
        skillhub.close()
    finally:
        servers.stop()
        if args.keep:
            log(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
