"""The schema's safety nets: PostgreSQL constraints, MongoDB indexes and validators, migrations."""

from __future__ import annotations

import pytest
from alembic import command
from pymongo.errors import DuplicateKeyError
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from domain.errors import ValidationError
from domain.models.users import Principal
from domain.models.workshops import Registration, RegistrationStatus
from domain.repositories.mongo.registrations import registration_document
from domain.repositories.mongo.schema import missing_indexes
from domain.services.container import Services
from domain.infrastructure.migrate import alembic_config, current_revision
from tests.conftest import NOW
from tests.workshops.conftest import Schedule


def test_check_constraint_forbids_more_seats_than_capacity(services: Services, schedule: Schedule) -> None:
    workshop = schedule(capacity=2)
    with pytest.raises(IntegrityError, match="ck_workshops_seats_within_capacity"):
        with services.engine.begin() as conn:
            conn.execute(text("UPDATE workshops SET seats_taken = 3 WHERE id = :id"), {"id": workshop.id})
    with pytest.raises(IntegrityError, match="ck_workshops_seats_within_capacity"):
        with services.engine.begin() as conn:
            conn.execute(text("UPDATE workshops SET seats_taken = -1 WHERE id = :id"), {"id": workshop.id})


@pytest.mark.parametrize(("column", "value", "constraint"), [
    ("title", "ab", "title_length"), ("duration_minutes", 601, "duration_range"), ("capacity", 0, "capacity_range"),
    ("status", "done", "status_known"), ("status", "cancelled", "cancelled_has_reason"),
])
def test_check_constraints_mirror_the_rules(services: Services, schedule: Schedule, column: str, value: object,
                                            constraint: str) -> None:
    workshop = schedule()
    with pytest.raises(IntegrityError, match=f"ck_workshops_{constraint}"):
        with services.engine.begin() as conn:
            conn.execute(text(f"UPDATE workshops SET {column} = :v WHERE id = :id"), {"v": value, "id": workshop.id})


def test_ledger_keeps_waitlist_positions_only_for_waiting_learners(services: Services, schedule: Schedule,
                                                                   learner: Principal) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    with pytest.raises(IntegrityError, match="waitlist_position_iff_waitlisted"):
        with services.engine.begin() as conn:
            conn.execute(text("UPDATE registration_ledger SET waitlist_position = 1 WHERE workshop_id = :id"),
                         {"id": workshop.id})


def test_mongo_indexes_exist_and_one_registration_per_attempt_is_unique(services: Services) -> None:
    assert missing_indexes(services.db) == []
    registrations = services.db["registrations"]
    registrations.insert_one({"_id": "a", "workshop_id": 1, "learner_id": 2, "attempt": 1})
    with pytest.raises(DuplicateKeyError):
        registrations.insert_one({"_id": "b", "workshop_id": 1, "learner_id": 2, "attempt": 1})


def test_registration_documents_are_checked_against_the_validator() -> None:
    good = Registration(1, 2, 1, RegistrationStatus.CONFIRMED, None, NOW, NOW)
    assert registration_document(good)["_id"] == "w1:l2:1"
    with pytest.raises(ValidationError, match="attempt must be at least 1"):
        registration_document(Registration(1, 2, 0, RegistrationStatus.CONFIRMED, None, NOW, NOW))
    with pytest.raises(ValidationError, match="cancel_reason must be at most 500"):
        registration_document(Registration(1, 2, 1, RegistrationStatus.CANCELLED, None, NOW, NOW,
                                           cancel_reason="x" * 501))


def test_migration_downgrades_and_upgrades_again(services: Services) -> None:
    config = alembic_config(services.engine)
    services.engine.dispose()
    command.downgrade(config, "0001")
    tables = set(inspect(services.engine).get_table_names())
    assert {"workshops", "registration_ledger"}.isdisjoint(tables) and {"users", "outbox"} <= tables
    command.upgrade(config, "head")
    assert {"workshops", "registration_ledger"} <= set(inspect(services.engine).get_table_names())
    assert current_revision(services.engine) is not None
