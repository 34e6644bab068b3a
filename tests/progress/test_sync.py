"""PostgreSQL and MongoDB kept in agreement by the outbox, including through a MongoDB outage."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from domain.clock import fixed_clock
from domain.errors import DatabaseUnavailable
from domain.models.progress import ProgressStatus
from domain.repositories.sql.progress import ProgressRepository
from domain.repositories.sql.schema import outbox
from tests.harness import services_for
from domain.services.progress import OUTBOX_KIND
from tests.conftest import NOW


def _disagreements(services, user_id: int) -> list[str]:
    """Rows whose latest history step does not describe their current state."""
    with services.uow() as uow:
        rows = ProgressRepository(uow.conn).for_user(user_id)
    problems = []
    for row in rows:
        latest = services.db["progress_events"].find(
            {"user_id": user_id, "challenge_id": row.challenge_id}).sort([("at", -1), ("_id", -1)]).limit(1)
        latest = next(iter(latest), None)
        if latest is None or latest["percent"] != row.percent or (
                (row.status is ProgressStatus.COMPLETED) != (latest["kind"] in ("completed", "recorded_by_trainer")
                                                             and latest["percent"] == 100)):
            problems.append(f"challenge {row.challenge_id}: {row.status.value} {row.percent}% vs {latest}")
    return problems


@pytest.fixture
def mongo_down(services):
    """The same services, but with MongoDB unreachable (a closed port, short timeout)."""
    endpoints = replace(services.endpoints, mongo_url="mongodb://127.0.0.1:9/?directConnection=true")
    settings = replace(services.settings, connect_timeout_s=0.5)
    broken = services_for(settings, clock=fixed_clock(NOW + timedelta(hours=1)), endpoints=endpoints)
    yield broken
    broken.close()


def test_completion_while_mongo_is_down_is_kept_and_reported_then_replay_restores_agreement(
        services, learner, make_challenge, make_badge, mongo_down):
    challenge = make_challenge(points=80)
    make_badge("first-steps", "challenges_completed", 1, bonus=15)
    services.progress.start(learner, challenge.id)

    outcome = mongo_down.progress.complete(learner, challenge.id)

    assert not outcome.synced and outcome.new_badges == []
    assert outcome.warning is not None and "MongoDB is unreachable" in outcome.warning
    with services.uow() as uow:
        assert ProgressRepository(uow.conn).get(learner.user_id, challenge.id).status is ProgressStatus.COMPLETED
    assert [(kind, attempts) for _, kind, attempts, _ in services.relay.pending()] == [(OUTBOX_KIND, 1)]
    assert _disagreements(services, learner.user_id) != []
    with pytest.raises(DatabaseUnavailable):
        mongo_down.scores.user_progress(learner, learner.user_id)

    result = services.relay.relay()

    assert result.error is None and result.pending == 0
    assert _disagreements(services, learner.user_id) == []
    award = services.db["badge_awards"].find_one({"trigger": outcome.event_id})
    assert award["badge_code"] == "first-steps"
    # Dated when it was earned, not when the replay happened.
    assert award["awarded_at"] == NOW + timedelta(hours=1)
    assert services.scores.score(learner, learner.user_id).total == 95


def test_replaying_a_step_twice_leaves_one_history_document_and_one_award(services, learner, make_challenge,
                                                                          make_badge):
    challenge = make_challenge(points=10)
    make_badge("first-steps", "challenges_completed", 1, bonus=5)
    services.progress.start(learner, challenge.id)
    services.progress.complete(learner, challenge.id)
    # As if the process died after writing to MongoDB but before marking the records applied.
    with services.uow() as uow:
        uow.conn.execute(update(outbox).values(applied_at=None))
        uow.commit()
    assert services.relay.relay().pending == 0
    assert services.db["progress_events"].count_documents({"user_id": learner.user_id}) == 2
    assert services.db["badge_awards"].count_documents({"user_id": learner.user_id}) == 1
    assert _disagreements(services, learner.user_id) == []
