"""The outbox: a MongoDB outage delays a log line, it never loses or doubles it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from domain.errors import ValidationError
from domain.models.users import Principal
from domain.repositories.sql.outbox import OutboxRecord
from domain.services.activity import OUTBOX_KIND as ACTIVITY_KIND
from domain.services.container import Services
from tests.harness import services_for
from tests.conftest import NOW
from tests.foundation.conftest import closed_port

NEW_PASSWORD = "a completely new one"


@pytest.fixture
def mongo_down(services: Services) -> Iterator[Services]:
    """The same PostgreSQL, but MongoDB at a port nobody listens on."""
    endpoints = replace(services.endpoints, mongo_url=f"mongodb://127.0.0.1:{closed_port()}/?directConnection=true")
    settings = replace(services.settings, connect_timeout_s=0.5)
    broken = services_for(settings, clock=services.clock, endpoints=endpoints)
    yield broken
    broken.close()


def _outbox(services: Services) -> list[dict[str, Any]]:
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, kind, applied_at, attempts, last_error FROM outbox ORDER BY id"))
        return [dict(r._mapping) for r in rows]


def _log(services: Services) -> list[dict[str, Any]]:
    return list(services.db["activity_logs"].find().sort("_id", 1))


def test_relay_during_a_mongodb_outage_keeps_the_record_pending_then_applies_it_once(
    services: Services, mongo_down: Services, admin: Principal, learner: Principal
) -> None:
    before = len(_log(services))
    # The change commits in PostgreSQL; the log line cannot reach MongoDB yet.
    mongo_down.users.reset_password(admin, learner.user_id, NEW_PASSWORD)
    assert services.auth.login(learner.email, NEW_PASSWORD).principal.user_id == learner.user_id
    pending = [r for r in _outbox(services) if r["applied_at"] is None]
    assert len(pending) == 1 and pending[0]["attempts"] == 1
    assert "MongoDB is unreachable" in pending[0]["last_error"]
    assert len(_log(services)) == before

    still_down = mongo_down.relay.relay()
    assert (still_down.applied, still_down.pending) == (0, 1)
    assert still_down.error is not None and still_down.error.startswith("MongoDB is unreachable")

    recovered = services.relay.relay()
    assert (recovered.applied, recovered.pending, recovered.error) == (1, 0, None)
    entries = _log(services)[before:]
    assert [(e["action"], e["entity_id"], e["at"]) for e in entries] == [
        ("user.password_reset", str(learner.user_id), NOW)
    ]
    assert services.relay.relay().applied == 0
    assert len(_log(services)) == before + 1


def test_records_are_applied_in_order_after_an_outage(
    services: Services, mongo_down: Services, admin: Principal, learner: Principal
) -> None:
    mongo_down.users.change_role(admin, learner.user_id, "trainer")
    mongo_down.users.reset_password(admin, learner.user_id, NEW_PASSWORD)
    mongo_down.users.set_active(admin, learner.user_id, False)
    assert services.relay.relay().applied == 3
    actions = [e["action"] for e in _log(services) if e["entity_id"] == str(learner.user_id)]
    assert actions == ["user.create", "user.role", "user.password_reset", "user.deactivate"]


def test_replaying_applied_records_writes_each_log_document_once(
    services: Services, admin: Principal, learner: Principal
) -> None:
    services.users.change_role(admin, learner.user_id, "trainer")
    documents = _log(services)
    assert len(documents) == 3
    # As if the relay crashed after writing to MongoDB but before marking the records.
    for _ in range(2):
        with services.engine.begin() as conn:
            conn.execute(text("UPDATE outbox SET applied_at = NULL"))
        assert services.relay.relay().applied == 3
    assert _log(services) == documents


def test_a_later_change_does_not_overtake_a_record_left_pending_by_an_outage(
    services: Services, mongo_down: Services, admin: Principal, learner: Principal
) -> None:
    mongo_down.users.change_role(admin, learner.user_id, "trainer")
    assert [r["applied_at"] is None for r in _outbox(services)] == [False, False, True]
    applied: list[int] = []

    def spy(record: OutboxRecord) -> None:
        applied.append(record.id)
        services.activity.apply(record)

    services.relay.register(ACTIVITY_KIND, spy)
    # MongoDB is back: the next change's own relay first carries the older record.
    services.users.reset_password(admin, learner.user_id, NEW_PASSWORD)
    assert applied == [3, 4]
    assert all(r["applied_at"] is not None for r in _outbox(services))


def test_a_failing_record_stops_the_relay_and_later_records_wait_behind_it(
    services: Services, admin: Principal, learner: Principal
) -> None:
    with services.engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (kind, payload) VALUES ('unknown.kind', '{}'::jsonb)"))
    services.users.change_role(admin, learner.user_id, "trainer")
    result = services.relay.relay()
    assert (result.applied, result.pending) == (0, 2)
    assert "no handler for outbox kind unknown.kind" in (result.error or "")
    assert [e["action"] for e in _log(services)] == ["user.create", "user.create"]

    services.relay.register("unknown.kind", lambda record: None)
    assert services.relay.relay() == type(result)(applied=2, pending=0)
    assert [e["action"] for e in _log(services)] == ["user.create", "user.create", "user.role"]


def test_a_log_document_mongodb_would_refuse_fails_the_change_instead_of_the_outbox(
    services: Services, admin: Principal
) -> None:
    with pytest.raises(ValidationError, match="action"):
        with services.uow() as uow:
            services.activity.record(uow, admin, "x" * 65, "user", admin.user_id)
            uow.commit()
    assert len(_outbox(services)) == 1  # only the admin fixture's creation


# -- a unit of work's own records (the after-commit path) ------------------------------------------
def _entry(action: str) -> dict[str, Any]:
    return {"actor_id": 0, "actor_email": "system@skillhub.local", "action": action, "entity": "test",
            "entity_id": "1", "at": NOW, "details": {}}


def test_a_unit_of_work_applies_its_records_and_marks_them_on_its_own_connection(services: Services) -> None:
    before = len(_outbox(services))
    with services.uow() as uow:
        uow.outbox.add_later(ACTIVITY_KIND, _entry("test.first"))
        uow.outbox.add(ACTIVITY_KIND, _entry("test.second"))
        uow.outbox.add_later(ACTIVITY_KIND, _entry("test.third"))
        uow.commit()
    assert uow.sync.synced and uow.sync.applied == 3
    rows = _outbox(services)[before:]
    # Ids follow the order of the calls, whether a record was inserted at once or later.
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert [(r["applied_at"] is not None, r["attempts"]) for r in rows] == [(True, 1)] * 3
    logged = [e["action"] for e in _log(services) if e["entity"] == "test"]
    assert logged == ["test.first", "test.second", "test.third"]


def test_a_record_queued_in_a_rolled_back_savepoint_is_neither_stored_nor_relayed(services: Services) -> None:
    before = len(_outbox(services))
    with services.uow() as uow:
        uow.outbox.add_later(ACTIVITY_KIND, _entry("test.kept"))
        with pytest.raises(ValidationError), uow.savepoint():
            uow.outbox.add_later(ACTIVITY_KIND, _entry("test.queued.then.undone"))
            uow.outbox.add(ACTIVITY_KIND, _entry("test.inserted.then.undone"))
            raise ValidationError("this row is refused")
        uow.outbox.add_later(ACTIVITY_KIND, _entry("test.after"))
        uow.commit()
    assert uow.sync.synced and uow.sync.applied == 2
    assert [r["applied_at"] is not None for r in _outbox(services)[before:]] == [True, True]
    assert [e["action"] for e in _log(services) if e["entity"] == "test"] == ["test.kept", "test.after"]


def test_records_of_a_unit_of_work_that_rolls_back_are_never_relayed(services: Services) -> None:
    before = len(_outbox(services))
    with services.uow() as uow:
        uow.outbox.add(ACTIVITY_KIND, _entry("test.rolled.back"))
        uow.outbox.add_later(ACTIVITY_KIND, _entry("test.never.inserted"))
    assert len(_outbox(services)) == before
    assert [e for e in _log(services) if e["entity"] == "test"] == []


def test_a_mark_lost_after_mongodb_was_written_only_means_a_harmless_replay(services: Services) -> None:
    with services.uow() as uow:
        uow.outbox.add(ACTIVITY_KIND, _entry("test.once"))
        uow.commit()
    # As if PostgreSQL had lost the mark (it is committed without waiting for the disk).
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET applied_at = NULL WHERE kind = :kind"), {"kind": ACTIVITY_KIND})
    replayed = services.relay.relay()
    assert replayed.error is None and replayed.pending == 0
    assert [e["action"] for e in _log(services) if e["entity"] == "test"] == ["test.once"]


@pytest.mark.parametrize("ping_after", [0.0, 3600.0])
def test_a_rested_connection_the_server_dropped_is_replaced_before_use(
    services: Services, monkeypatch: pytest.MonkeyPatch, ping_after: float
) -> None:
    from domain.infrastructure import connections

    with services.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    monkeypatch.setattr(connections, "PING_AFTER_IDLE_S", ping_after)
    # The server drops every pooled connection (a restart, a network cut).
    url = services.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    killer = psycopg2.connect(url, application_name="test-killer")
    try:
        with killer.cursor() as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'skillhub'")
            assert cur.fetchone()[0] >= 1
    finally:
        killer.close()
    with services.engine.connect() as conn:
        if ping_after:
            # Not rested long enough to be pinged: the first statement meets the dropped link...
            with pytest.raises(OperationalError):
                conn.execute(text("SELECT 1"))
        else:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    # ...and the pool starts afresh for the next one.
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_document_already_under_a_records_id_is_replaced_by_the_record(services: Services) -> None:
    # After PostgreSQL alone was restored, an outbox id comes round again while MongoDB still
    # holds the document a later change wrote under it: the record, in PostgreSQL, wins.
    with services.uow() as uow:
        uow.outbox.add(ACTIVITY_KIND, _entry("test.record"))
        uow.commit()
    [document] = [e for e in _log(services) if e["entity"] == "test"]
    services.db["activity_logs"].replace_one({"_id": document["_id"]}, {**document, "action": "test.stale"})
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET applied_at = NULL WHERE kind = :kind"), {"kind": ACTIVITY_KIND})
    assert services.relay.relay().error is None
    assert [e["action"] for e in _log(services) if e["entity"] == "test"] == ["test.record"]
