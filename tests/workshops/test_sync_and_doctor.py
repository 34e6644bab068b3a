"""The two databases cannot drift: MongoDB outages, replays, and `skillhub doctor`."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text

from domain.clock import fixed_clock
from domain.config import Settings
from domain.errors import Conflict, DatabaseUnavailable
from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.models.workshops import RegistrationStatus
from domain.repositories.sql.outbox import OutboxRecord, payload_of
from domain.repositories.sql.schema import outbox
from domain.services.container import Services
from tests.harness import services_for
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.registrations import RegistrationDocuments
from domain.services.workshop_sync import REGISTRATIONS_KIND, WorkshopSync
from tests.conftest import NOW, TEST_SECRET
from tests.workshops.conftest import MakeLearners, Schedule
from tui.cli import main

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mongo_down(services: Services, settings: Settings) -> Iterator[Services]:
    """The same PostgreSQL, but a MongoDB nobody answers on (as during an outage)."""
    endpoints = replace(services.endpoints, mongo_url=f"mongodb://127.0.0.1:{_closed_port()}/?directConnection=true")
    down = services_for(replace(settings, connect_timeout_s=0.3), clock=fixed_clock(NOW), endpoints=endpoints)
    yield down
    down.close()


def registration_docs(services: Services, workshop_id: int) -> dict[int, dict[str, object]]:
    return {d["learner_id"]: d for d in services.db["registrations"].find({"workshop_id": workshop_id})}


def test_registering_while_mongodb_is_down_keeps_the_seat_and_says_so(
        services: Services, mongo_down: Services, learner: Principal, schedule: Schedule) -> None:
    workshop = schedule(capacity=3)
    outcome = mongo_down.registrations.register(learner, workshop.id)
    assert outcome.registration.status is CONFIRMED
    assert not outcome.sync.synced and "MongoDB is unreachable" in (outcome.sync.error or "")
    assert outcome.message.startswith("Registered for Writing clean SQL: seat confirmed. Saved. MongoDB is "
                                      "unreachable, the change will be synced when it is back")
    assert services.workshops.get(learner, workshop.id).seats_taken == 1
    assert registration_docs(services, workshop.id) == {}
    # Not double-counted: the seat is the learner's, even before MongoDB knows.
    with pytest.raises(Conflict, match="already registered"):
        services.registrations.register(learner, workshop.id)
    report = services.doctor.check()
    assert {f.kind for f in report.findings} >= {"outbox", "missing", "mongo-seats"}

    result = services.relay.relay()
    assert result.error is None and result.pending == 0
    assert registration_docs(services, workshop.id)[learner.user_id]["status"] == "confirmed"
    assert services.workshops.get(learner, workshop.id).seats_taken == 1
    assert services.doctor.check().clean
    assert services.relay.relay().applied == 0
    assert services.db["registrations"].count_documents({"workshop_id": workshop.id}) == 1
    assert services.db["registration_events"].count_documents({"workshop_id": workshop.id}) == 1


def test_cancel_and_promotion_during_an_outage_are_repaired_by_doctor(
        services: Services, mongo_down: Services, trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second = make_learners(2)
    services.registrations.register(first, workshop.id)
    services.registrations.register(second, workshop.id)
    outcome = mongo_down.registrations.cancel(trainer, workshop.id, first.user_id, reason="Outage test")
    assert [r.learner_id for r in outcome.promoted] == [second.user_id] and not outcome.sync.synced
    docs = registration_docs(services, workshop.id)
    assert (docs[first.user_id]["status"], docs[second.user_id]["status"]) == ("confirmed", "waitlisted")

    repaired = services.doctor.repair()
    assert not repaired.before.clean
    assert any(a.startswith("replayed the outbox") for a in repaired.actions)
    assert repaired.after.clean
    docs = registration_docs(services, workshop.id)
    assert (docs[first.user_id]["status"], docs[second.user_id]["status"]) == ("cancelled", "confirmed")
    history = services.registrations.history(trainer, workshop.id, second.user_id)
    assert [(e.from_status, e.to_status) for e in history] == [(None, WAITLISTED), (WAITLISTED, CONFIRMED)]


def test_reads_during_an_outage_raise_a_clear_error(mongo_down: Services, trainer: Principal,
                                                    schedule: Schedule) -> None:
    workshop = schedule()
    with pytest.raises(DatabaseUnavailable, match="MongoDB is unreachable"):
        mongo_down.registrations.sheet(trainer, workshop.id)


def _registration_records(services: Services) -> list[OutboxRecord]:
    with services.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts)
                            .where(outbox.c.kind == REGISTRATIONS_KIND).order_by(outbox.c.id)).all()
    return [OutboxRecord(r.id, r.kind, payload_of(r.payload), r.attempts) for r in rows]


def test_replays_are_idempotent_and_order_proof(services: Services, learner: Principal, trainer: Principal,
                                                schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    services.registrations.cancel(learner, workshop.id, reason="Changed my mind")
    registered, cancelled = _registration_records(services)
    sync = WorkshopSync(RegistrationDocuments(services.db), CommentRepository(services.db))
    apply = sync.handlers()[REGISTRATIONS_KIND]  # called as the relay would, in any order, any number of times
    for _ in range(3):
        apply(cancelled)
        apply(registered)
    doc = services.db["registrations"].find_one({"workshop_id": workshop.id})
    assert doc is not None and (doc["status"], doc["cancel_reason"]) == ("cancelled", "Changed my mind")
    assert services.db["registrations"].count_documents({"workshop_id": workshop.id}) == 1
    assert services.db["registration_events"].count_documents({"workshop_id": workshop.id}) == 2
    assert services.doctor.check().clean


def test_doctor_finds_and_repairs_every_kind_of_drift(services: Services, trainer: Principal, schedule: Schedule,
                                                      make_learners: MakeLearners) -> None:
    workshop, other = schedule(capacity=2), schedule(title="Other")
    a, b, c = make_learners(3)
    for person in (a, b, c):
        services.registrations.register(person, workshop.id)
    services.registrations.register(a, other.id)
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE workshops SET seats_taken = 1, waitlisted = 0 WHERE id = :id"), {"id": workshop.id})
    registrations = services.db["registrations"]
    registrations.delete_one({"_id": f"w{other.id}:l{a.user_id}:1"})
    registrations.update_one({"_id": f"w{workshop.id}:l{b.user_id}:1"}, {"$set": {"status": "cancelled"}})
    registrations.insert_one({"_id": f"w{workshop.id}:l{c.user_id}:7", "workshop_id": workshop.id,
                              "learner_id": c.user_id, "attempt": 7, "status": "confirmed", "version": 1})
    registrations.insert_one({"_id": "w999999:l1:1", "workshop_id": 999999, "learner_id": 1, "attempt": 1,
                              "status": "confirmed", "version": 1})
    services.db["comments"].insert_one({"_id": "stray", "workshop_id": 999998, "author_id": 1, "author_name": "x",
                                        "body": "stray", "at": NOW})

    report = services.doctor.check()
    kinds = {f.kind for f in report.findings}
    assert kinds == {"seats", "stale", "unknown", "missing", "orphan", "mongo-seats"}
    result = services.doctor.repair()
    assert result.after.clean, result.after.lines()
    assert services.workshops.get(trainer, workshop.id).seats_taken == 2
    assert registrations.count_documents({"workshop_id": {"$in": [999999, 999998]}}) == 0
    assert services.db["comments"].count_documents({"_id": "stray"}) == 0
    assert registrations.find_one({"_id": f"w{workshop.id}:l{b.user_id}:1"})["status"] == "confirmed"
    assert registrations.count_documents({"_id": f"w{workshop.id}:l{c.user_id}:7"}) == 0
    assert registrations.count_documents({"_id": f"w{other.id}:l{a.user_id}:1"}) == 1


def test_doctor_repair_promotes_into_a_seat_left_free(services: Services, trainer: Principal, schedule: Schedule,
                                                      make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second = make_learners(2)
    services.registrations.register(first, workshop.id)
    services.registrations.register(second, workshop.id)
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE workshops SET capacity = 2 WHERE id = :id"), {"id": workshop.id})
    assert {f.kind for f in services.doctor.check().findings} == {"waitlist"}
    result = services.doctor.repair()
    assert result.after.clean
    assert any("promoted 1 from the waitlist" in a for a in result.actions)
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert [r.learner_id for r in sheet.confirmed] == [first.user_id, second.user_id]


@pytest.fixture
def cli_env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the `skillhub` command at the test servers."""
    monkeypatch.setenv("DATABASE_URL", services.endpoints.database_url)
    monkeypatch.setenv("MONGO_URL", services.endpoints.mongo_url)
    monkeypatch.setenv("MONGO_DB", services.endpoints.mongo_db)
    monkeypatch.setenv("SKILLHUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SKILLHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SKILLHUB_ENV_FILE", os.devnull)


def test_doctor_command_exit_status_and_repair(services: Services, mongo_down: Services, learner: Principal,
                                               schedule: Schedule, cli_env: None,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    workshop = schedule()
    mongo_down.registrations.register(learner, workshop.id)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "not applied yet" in out and "is missing in MongoDB" in out and "skillhub doctor --repair" in out
    assert main(["doctor", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "replayed the outbox" in out and "After repair: no drift" in out
    assert main(["doctor"]) == 0
    assert "no drift" in capsys.readouterr().out
    assert services.registrations.my_registrations(learner, PageRequest()).total == 1


def test_the_next_successful_change_catches_up_on_an_earlier_outage(
        services: Services, mongo_down: Services, schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule()
    during, after = make_learners(2)
    assert not mongo_down.registrations.register(during, workshop.id).sync.synced
    assert services.registrations.register(after, workshop.id).sync.synced
    assert set(registration_docs(services, workshop.id)) == {during.user_id, after.user_id}
    assert services.relay.pending() == []
    assert services.doctor.check().clean
