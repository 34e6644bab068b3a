"""Searches ignore case in every script, on every screen that searches, and can use their indexes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, select, text

from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopInput, WorkshopQuery
from domain.repositories.sql.schema import challenges, users, workshops
from domain.repositories.sql.search import contains, search_key
from domain.repositories.sql.workshops import search_condition
from domain.services.container import Services
from domain.infrastructure.migrate import alembic_config
from tests.conftest import NOW, make_user


@pytest.fixture
def people(services: Services, admin: Principal, trainer: Principal) -> dict[str, Principal]:
    made = {
        "zoe": make_user(services, "zoe.unicode@example.org", Role.LEARNER, "Zoé Ünïcode"),
        "sofia": make_user(services, "sofia@example.org", Role.LEARNER, "Σοφία Νίκος"),
        "plain": make_user(services, "plain@example.org", Role.LEARNER, "Plain Person"),
        "helene": make_user(services, "helene@example.org", Role.TRAINER, "Hélène Strauß"),
    }
    for title, by in (("Éco-conception numérique", made["helene"]), ("Άλγεβρα για όλους", trainer)):
        services.workshops.create(admin, WorkshopInput(title=title, trainer_id=by.user_id,
                                                       starts_at=NOW + timedelta(days=3), duration_minutes=60,
                                                       capacity=10))
    services.challenges.create(admin, "Réduire l'énergie", "Chauffage à 19 °C, ÉTÉ comme HIVER", "energy", 50, "easy")
    services.challenges.create(admin, "Plain challenge", "Nothing special", "waste", 10, "easy")
    return made


def names(found: object) -> list[str]:
    items = getattr(found, "items", found)
    return sorted(getattr(u, "full_name", None) or getattr(u, "title") for u in items)  # type: ignore[union-attr]


@pytest.mark.parametrize("term", ["ZOÉ", "ünïcode", "zoé ünïcode", "ZOÉ ÜNÏCODE", "Zoé Ünïcode"])
def test_user_search_finds_accented_names_in_any_case(services: Services, admin: Principal,
                                                     people: dict[str, Principal], term: str) -> None:
    assert names(services.users.list(admin, PageRequest(), search=term)) == ["Zoé Ünïcode"]


def test_every_search_ignores_case_in_every_script(services: Services, admin: Principal, trainer: Principal,
                                                   people: dict[str, Principal]) -> None:
    # Greek final and medial sigma, German sharp s: full Unicode case folding, not just lower().
    assert names(services.users.list(admin, PageRequest(), search="ΝΊΚΟΣ")) == ["Σοφία Νίκος"]
    assert names(services.users.list(admin, PageRequest(), search="νίκοσ")) == ["Σοφία Νίκος"]
    assert names(services.users.list(admin, PageRequest(), search="STRAUSS")) == ["Hélène Strauß"]
    assert names(services.users.list(admin, PageRequest(), search="ZOE.UNICODE@")) == ["Zoé Ünïcode"]
    # Learner pickers: progress (find_people) and registering someone to a workshop (candidates).
    assert names(services.users.find_people(trainer, Role.LEARNER, "ΣΟΦΊΑ")) == ["Σοφία Νίκος"]
    algebra = services.workshops.list(admin, WorkshopQuery(search="ΆΛΓΕΒΡΑ"), PageRequest()).items
    assert [w.title for w in algebra] == ["Άλγεβρα για όλους"]
    candidates = services.registrations.candidates(trainer, algebra[0].id, "ÜNÏCODE")
    assert [c.full_name for c in candidates] == ["Zoé Ünïcode"]
    # Workshops by title or trainer name, for staff and in the learners' catalogue; the trainer picker.
    assert names(services.workshops.list(admin, WorkshopQuery(search="ÉCO-CONCEPTION"), PageRequest())) == [
        "Éco-conception numérique"]
    assert names(services.workshops.list(admin, WorkshopQuery(search="hélène"), PageRequest())) == [
        "Éco-conception numérique"]
    catalogue = services.workshops.catalog(people["zoe"], PageRequest(), search="ΌΛΟΥΣ")
    assert [e.workshop.title for e in catalogue.items] == ["Άλγεβρα για όλους"]
    assert names(services.workshops.trainers(admin, "HÉLÈNE")) == ["Hélène Strauß"]
    # Challenges by title or description.
    assert names(services.challenges.list(admin, PageRequest(), search="RÉDUIRE")) == ["Réduire l'énergie"]
    assert names(services.challenges.list(admin, PageRequest(), search="été comme hiver")) == ["Réduire l'énergie"]


def test_a_search_matches_whole_characters_only(services: Services, admin: Principal,
                                               people: dict[str, Principal]) -> None:
    # The key spells é as a code of capital letters: typed text, folded to lower case, never
    # lands inside one, and a letter is not its accented cousin.
    assert search_key("Zoé") == "zoZAAAAOJ"
    for term in ("zaaaaoj", "ZAAAAOJ", "aaaoj", "zoe ünïcode"):
        assert names(services.users.list(admin, PageRequest(), search=term)) == [], term
    assert names(services.users.list(admin, PageRequest(), search="%")) == []
    assert names(services.users.list(admin, PageRequest(), search="É")) == ["Hélène Strauß", "Zoé Ünïcode"]


def test_every_search_condition_can_use_a_trigram_index(services: Services) -> None:
    """The planner is kept off sequential scans so the plan shows whether an index *can*
    serve each condition (that it is chosen at 100,000 rows: scripts/bench_search.py)."""
    conditions = {
        "users by name": (select(users.c.id).where(contains(users.c.full_name_search, "ZOÉ")),
                          "ix_users_full_name_search_trgm"),
        "users by email": (select(users.c.id).where(contains(users.c.email_search, "ZOÉ")),
                           "ix_users_email_search_trgm"),
        "workshops by title": (select(workshops.c.id).where(search_condition("Ünïcode")),
                               "ix_workshops_title_search_trgm"),
        "workshops by trainer": (select(workshops.c.id).where(search_condition("Ünïcode")),
                                 "ix_users_full_name_search_trgm"),
        "challenges by title": (select(challenges.c.id).where(contains(challenges.c.title_search, "RÉDUIRE")),
                                "ix_challenges_title_search_trgm"),
        "challenges by description": (
            select(challenges.c.id).where(contains(challenges.c.description_search, "ÉTÉ")),
            "ix_challenges_description_search_trgm"),
    }
    with services.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        for label, (query, index) in conditions.items():
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(conn.execute(text("EXPLAIN " + sql.replace("%", "%%"))).scalars())
            assert index in plan, f"{label}:\n{plan}"


def test_migration_fills_the_search_keys_of_rows_already_there_and_goes_back(scratch_database: Engine) -> None:
    cfg = alembic_config(scratch_database)
    command.upgrade(cfg, "0003")
    with scratch_database.begin() as conn:
        user_id = conn.execute(text(
            "INSERT INTO users (email, full_name, password_hash, role) "
            "VALUES ('zoe@example.org', 'Zoé Ünïcode', 'h', 'trainer') RETURNING id")).scalar_one()
        conn.execute(text(
            "INSERT INTO workshops (title, trainer_id, starts_at, duration_minutes, capacity) "
            "VALUES ('Écoconception', :t, now(), 60, 10)"), {"t": user_id})
        conn.execute(text(
            "INSERT INTO challenges (title, description, category, points, difficulty) "
            "VALUES ('Réduire', 'ÉTÉ', 'energy', 10, 'easy')"))
    command.upgrade(cfg, "head")
    with scratch_database.connect() as conn:
        keys = conn.execute(text(
            "SELECT u.email_search, u.full_name_search, w.title_search, c.title_search, c.description_search "
            "FROM users u, workshops w, challenges c")).one()
    assert tuple(keys) == tuple(search_key(v) for v in ("zoe@example.org", "Zoé Ünïcode", "Écoconception",
                                                        "Réduire", "ÉTÉ"))
    command.downgrade(cfg, "0003")
    with scratch_database.connect() as conn:
        columns = set(conn.execute(text(
            "SELECT table_name || '.' || column_name FROM information_schema.columns "
            "WHERE column_name LIKE '%\\_search'")).scalars())
        indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'")).scalars())
    assert columns == set() and indexes == {"ix_workshops_title_trgm"}
    command.upgrade(cfg, "head")
