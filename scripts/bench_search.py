"""Time every search at 100,000 rows next to its bare queries, and show the plans use the indexes.

Seeds a scratch pair of embedded servers (in a temporary directory, never your data) with
100,000 learners and 100,000 workshops whose names and titles mix scripts and accents
(Zoé Ünïcode, Σοφία, Ивана, Hélène Strauß …) and 10,000 challenges, then for each search a
screen runs (users, the progress learner picker, the register picker, the trainer picker,
workshops by title or trainer, the learners' catalogue, challenges) prints the median and
p95 in milliseconds next to the floor (the same SQL sent bare with psycopg2), then the
plan of each bare query with the index it uses, and the old ILIKE query for comparison.

    .venv/bin/python scripts/bench_search.py               # 100,000 rows, 30 runs each
    .venv/bin/python scripts/bench_search.py --rows 20000 --runs 10
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg2
from bench_workshops import report, timed
from sqlalchemy import insert, text

from domain.bootstrap import SkillHub
from domain.devdata.scratch import scratch_skillhub
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopQuery
from domain.repositories.sql.schema import challenges, users, workshops
from domain.repositories.sql.search import escape_like, search_key, search_keys

DUMMY_HASH = "$2b$04$" + "x" * 53  # never checked: bench accounts do not log in
FIRST = ["Zoé", "Hélène", "Jürgen", "Σοφία", "Ивана", "Łukasz", "José", "Chloé", "Noé", "Émile", "Søren", "Çağla",
         "Ngọc", "Dmitri", "Aïcha", "Björn", "Ólafur", "Nikos", "Camille", "Lucas"]
LAST = ["Ünïcode", "Strauß", "Παπαδοπούλου", "Смирнова", "Wałęsa", "Muñoz", "Lefèvre", "Ørsted", "Yılmaz",
        "Nguyễn", "Dubois", "Martin", "Petit", "Durand", "Lambert", "Fontaine", "Rousseau", "Moreau", "Girard",
        "Bonnet", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François",
        "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel",
        "Mathieu"]
TOPICS = ["Éco-conception", "Données ouvertes", "Άλγεβρα", "Криптография", "Sécurité réseau", "Python", "SQL",
          "Docker", "Accessibilité", "Statistiques", "Ökologie", "Rédaction", "Kubernetes", "Testing", "Design",
          "Agile", "Linux", "Excel", "Git", "Réseaux"]
LEVELS = ["débutant", "avancé", "en pratique", "atelier", "clinique"]
TRAINERS = 200
PAGE = PageRequest(1, 50)
BATCH = 5000
SEARCHES = {"name": "ZOÉ ÜNÏCODE", "greek": "ΆΛΓΕΒΡΑ", "title": "éco-conception", "trainer": "hélène strauß",
            "challenge": "RÉDUIRE"}


def _person(i: int, role: str) -> dict[str, Any]:
    name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
    email = f"{role}{i}@bench.example"
    return {"email": email, "full_name": name, "password_hash": DUMMY_HASH, "role": role,
            **search_keys(email=email, full_name=name)}


def seed(skillhub: SkillHub, rows: int) -> tuple[Principal, Principal, Principal, int]:
    """Learners, trainers, workshops and challenges through bulk inserts with their search keys."""
    now = skillhub.resources.clock()
    with skillhub.resources.engine.begin() as conn:
        conn.execute(insert(users), [{**_person(0, "admin"), "role": "admin"}])
        conn.execute(insert(users), [_person(i, "trainer") for i in range(1, TRAINERS + 1)])
        for start in range(0, rows, BATCH):
            conn.execute(insert(users), [_person(i, "learner") for i in range(TRAINERS + 1 + start,
                                                                                 TRAINERS + 1 + min(rows, start + BATCH))])
        for start in range(0, rows, BATCH):
            batch = []
            for g in range(start, min(rows, start + BATCH)):
                title = f"{TOPICS[g % len(TOPICS)]} {LEVELS[(g // len(TOPICS)) % len(LEVELS)]} #{g}"
                batch.append({"title": title, "trainer_id": 2 + g % TRAINERS, "starts_at": now + timedelta(
                    days=(g % 730) - 365, hours=g % 9), "duration_minutes": 60, "capacity": 20,
                    "created_at": now, "updated_at": now, **search_keys(title=title)})
            conn.execute(insert(workshops), batch)
        conn.execute(insert(challenges), [
            {"title": f"{('Réduire', 'Éviter', 'Trier', 'Ωφελώ')[i % 4]} n°{i}", "description": "Été comme hiver",
             "category": "energy", "points": 10, "difficulty": "easy", "created_at": now, "updated_at": now,
             **search_keys(title=f"{('Réduire', 'Éviter', 'Trier', 'Ωφελώ')[i % 4]} n°{i}",
                           description="Été comme hiver")}
            for i in range(rows // 10)
        ])
        open_workshop = conn.execute(text("SELECT max(id) FROM workshops WHERE starts_at > now()")).scalar_one()
    with skillhub.resources.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    admin = Principal(1, "admin0@bench.example", "Bench Admin", Role.ADMIN)
    trainer = Principal(2, "trainer1@bench.example", "Bench Trainer", Role.TRAINER)
    learner = Principal(TRAINERS + 2, f"learner{TRAINERS + 1}@bench.example", "Bench Learner", Role.LEARNER)
    return admin, trainer, learner, open_workshop


def pattern(term: str) -> str:
    return f"%{escape_like(search_key(term))}%"


USERS_WHERE = "(email_search LIKE %(p)s OR full_name_search LIKE %(p)s)"
WORKSHOPS_WHERE = ("(w.title_search LIKE %(p)s OR w.trainer_id = ANY(ARRAY("
                   "SELECT id FROM users WHERE full_name_search LIKE %(p)s)))")
FLOORS = {
    "users": ("SELECT count(*) FROM users WHERE " + USERS_WHERE,
              "SELECT id, email, full_name FROM users WHERE " + USERS_WHERE + " ORDER BY full_name, id LIMIT 50"),
    "learners": ("SELECT id, email, full_name FROM users WHERE " + USERS_WHERE
                 + " AND role = 'learner' AND is_active ORDER BY full_name, id LIMIT 20",),
    "workshops": ("SELECT count(*) FROM workshops w WHERE w.status = 'scheduled' AND " + WORKSHOPS_WHERE,
                  "SELECT w.id, w.title, u.full_name FROM workshops w JOIN users u ON u.id = w.trainer_id"
                  " WHERE w.status = 'scheduled' AND " + WORKSHOPS_WHERE + " ORDER BY w.starts_at, w.id LIMIT 50"),
    "challenges": ("SELECT count(*) FROM challenges WHERE (title_search LIKE %(p)s OR description_search LIKE %(p)s)",
                   "SELECT id, title FROM challenges WHERE (title_search LIKE %(p)s OR description_search LIKE %(p)s)"
                   " ORDER BY title, id LIMIT 50"),
}
OLD = {"users": "SELECT count(*) FROM users WHERE (email ILIKE %(p)s OR full_name ILIKE %(p)s)",
       "workshops": "SELECT count(*) FROM workshops WHERE title ILIKE %(p)s"}


def bare(cur: Any, floor: str, term: str) -> None:
    for sql in FLOORS[floor]:
        cur.execute(sql, {"p": pattern(term)})
        cur.fetchall()


def explain(cur: Any, sql: str, params: dict[str, str]) -> list[str]:
    cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
    return [row[0] for row in cur.fetchall()]


def bench(skillhub: SkillHub, who: tuple[Principal, Principal, Principal, int], runs: int) -> None:
    admin, trainer, learner, open_workshop = who
    dsn = skillhub.resources.endpoints.database_url.replace("postgresql+psycopg2://", "postgresql://")
    raw = psycopg2.connect(dsn)
    raw.autocommit = True
    cur = raw.cursor()
    s = SEARCHES
    cases = [
        (f"users screen, “{s['name']}”", lambda: skillhub.services.users.list(admin, PAGE, search=s["name"]), "users", "name"),
        (f"progress learner picker, “{s['name']}”",
         lambda: skillhub.services.users.find_people(trainer, Role.LEARNER, s["name"], 20), "learners", "name"),
        (f"register picker, “{s['name']}”",
         lambda: skillhub.services.registrations.candidates(admin, open_workshop, s["name"], 20), "learners", "name"),
        (f"trainer picker, “{s['trainer']}”", lambda: skillhub.services.workshops.trainers(admin, s["trainer"]), "users",
         "trainer"),
        (f"workshops by title, “{s['title']}”",
         lambda: skillhub.services.workshops.list(admin, WorkshopQuery(search=s["title"]), PAGE), "workshops", "title"),
        (f"workshops by title, “{s['greek']}”",
         lambda: skillhub.services.workshops.list(admin, WorkshopQuery(search=s["greek"]), PAGE), "workshops", "greek"),
        (f"workshops by trainer, “{s['trainer']}”",
         lambda: skillhub.services.workshops.list(admin, WorkshopQuery(search=s["trainer"]), PAGE), "workshops", "trainer"),
        (f"learner catalogue, “{s['title']}”",
         lambda: skillhub.services.workshops.catalog(learner, PAGE, s["title"]), "workshops", "title"),
        (f"challenges, “{s['challenge']}”",
         lambda: skillhub.services.challenges.list(admin, PAGE, search=s["challenge"]), "challenges", "challenge"),
    ]
    print(f"{'search (ms)':<44} {'median':>8} {'p95':>8}   {'floor':>8} {'fl.p95':>8}   ratio")
    for label, call, floor, term in cases:
        report(label[:44], timed(call, runs), timed(partial(bare, cur, floor, s[term]), runs))
    print("\nPlans of the bare queries (EXPLAIN ANALYZE; index lines and totals):")
    for floor, term in (("users", "name"), ("workshops", "title"), ("workshops", "greek"), ("workshops", "trainer"),
                        ("challenges", "challenge")):
        plan = explain(cur, FLOORS[floor][0], {"p": pattern(s[term])})
        shown = [line.strip() for line in plan if "Index" in line or "Seq Scan" in line or "Execution" in line]
        print(f"  {floor} “{s[term]}”: " + " | ".join(shown))
    print("\nThe ILIKE queries they replace (case-sensitive beyond ASCII on this server):")
    for floor, term in (("users", "name"), ("workshops", "title")):
        plan = explain(cur, OLD[floor], {"p": f"%{escape_like(s[term])}%"})
        cur.execute(OLD[floor], {"p": f"%{escape_like(s[term])}%"})
        found = cur.fetchone()[0]
        shown = [line.strip() for line in plan if "Scan" in line or "Execution" in line]
        print(f"  {floor} “{s[term]}”: {found} found · " + " | ".join(shown))
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="learners and workshops to seed (default 100000)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement (default 30)")
    args = parser.parse_args()
    with scratch_skillhub() as skillhub:
        began = time.perf_counter()
        who = seed(skillhub, args.rows)
        print(f"Seeded {args.rows:,} learners, {TRAINERS} trainers, {args.rows:,} workshops and "
              f"{args.rows // 10:,} challenges in {time.perf_counter() - began:.1f} s; {args.runs} runs each.\n")
        bench(skillhub, who, args.runs)


if __name__ == "__main__":
    main()
