"""Progress steps: the state machine, refusals that write nothing, staff actions, ownership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.progress import EventKind, ProgressStatus
from domain.repositories.sql.progress import ProgressRepository
from domain.repositories.sql.schema import outbox
from tests.conftest import NOW
from tests.progress.conftest import at


def _outbox_count(services) -> int:
    with services.uow() as uow:
        return uow.conn.execute(select(func.count()).select_from(outbox)).scalar_one()


def _history(services, user_id: int) -> list[tuple[str, int, int]]:
    docs = services.db["progress_events"].find({"user_id": user_id}).sort("at", 1)
    return [(d["kind"], d["percent"], d["points"]) for d in docs]


def test_start_progress_complete_keeps_state_in_postgres_and_every_step_in_mongo(services, learner, make_challenge):
    challenge = make_challenge(points=120, category="water")
    at(services, NOW).progress.start(learner, challenge.id)
    at(services, NOW + timedelta(hours=1)).progress.update(learner, challenge.id, 40)
    outcome = at(services, NOW + timedelta(hours=2)).progress.complete(learner, challenge.id)
    assert outcome.synced and outcome.warning is None and outcome.event_kind is EventKind.COMPLETED
    assert outcome.progress.status is ProgressStatus.COMPLETED and outcome.progress.points_awarded == 120
    with services.uow() as uow:
        row = ProgressRepository(uow.conn).get(learner.user_id, challenge.id)
    assert (row.status, row.percent, row.points_awarded) == (ProgressStatus.COMPLETED, 100, 120)
    assert row.completed_at == NOW + timedelta(hours=2) and row.started_at == NOW
    assert _history(services, learner.user_id) == [("started", 0, 0), ("progress", 40, 0), ("completed", 100, 120)]
    event = services.db["progress_events"].find_one({"_id": outcome.event_id})
    assert event["category"] == "water" and event["by"] == learner.user_id and event["day"] == "2026-11-22"


@pytest.mark.parametrize("percent", [-1, 101, "50%", 12.5, None, True])
def test_percent_outside_0_to_100_is_refused_and_nothing_is_written(services, learner, make_challenge, percent):
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    before = _outbox_count(services)
    with pytest.raises(ValidationError) as caught:
        services.progress.update(learner, challenge.id, percent)
    assert caught.value.field == "percent"
    assert _outbox_count(services) == before
    with services.uow() as uow:
        assert ProgressRepository(uow.conn).get(learner.user_id, challenge.id).percent == 0
    assert _history(services, learner.user_id) == [("started", 0, 0)]


def test_completing_twice_is_refused_and_awards_points_once(services, learner, make_challenge):
    challenge = make_challenge(points=70)
    services.progress.start(learner, challenge.id)
    services.progress.complete(learner, challenge.id)
    before = _outbox_count(services)
    with pytest.raises(Conflict, match="already completed"):
        services.progress.complete(learner, challenge.id)
    with pytest.raises(Conflict, match="already completed"):
        services.progress.update(learner, challenge.id, 30)
    assert _outbox_count(services) == before
    assert services.scores.score(learner, learner.user_id).challenge_points == 70


def test_progress_on_an_inactive_challenge_is_refused(services, learner, trainer, make_challenge):
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    services.challenges.set_active(trainer, challenge.id, False)
    before = _outbox_count(services)
    for attempt in (lambda: services.progress.update(learner, challenge.id, 50),
                    lambda: services.progress.complete(learner, challenge.id),
                    lambda: services.progress.record(trainer, learner.user_id, challenge.id, 100)):
        with pytest.raises(Conflict, match="not active"):
            attempt()
    assert _outbox_count(services) == before


def test_steps_out_of_order_are_refused(services, learner, make_challenge):
    challenge = make_challenge()
    with pytest.raises(Conflict, match="Start the challenge first"):
        services.progress.update(learner, challenge.id, 10)
    with pytest.raises(Conflict, match="Start the challenge first"):
        services.progress.complete(learner, challenge.id)
    services.progress.start(learner, challenge.id)
    with pytest.raises(Conflict, match="already started"):
        services.progress.start(learner, challenge.id)
    with pytest.raises(NotFound):
        services.progress.start(learner, 999_999)


def test_trainer_records_progress_then_resets_it_with_a_reason(services, learner, trainer, make_challenge):
    challenge = make_challenge(points=200)
    services.progress.record(trainer, learner.user_id, challenge.id, 60)
    outcome = services.progress.record(trainer, learner.user_id, challenge.id, 100)
    assert outcome.progress.status is ProgressStatus.COMPLETED
    assert services.scores.score(trainer, learner.user_id).challenge_points == 200
    with pytest.raises(ValidationError):
        services.progress.reset(trainer, learner.user_id, challenge.id, "  ")
    reset = services.progress.reset(trainer, learner.user_id, challenge.id, "Recorded for the wrong learner")
    assert (reset.progress.status, reset.progress.percent, reset.progress.points_awarded) == (ProgressStatus.RESET, 0, 0)
    assert services.scores.score(trainer, learner.user_id).challenge_points == 0
    assert _history(services, learner.user_id) == [
        ("recorded_by_trainer", 60, 0), ("recorded_by_trainer", 100, 200), ("reset", 0, 200),
    ]
    last = services.db["progress_events"].find_one({"_id": reset.event_id})
    assert last["reason"] == "Recorded for the wrong learner" and last["by"] == trainer.user_id
    # After a reset the learner can take the challenge again.
    assert services.progress.start(learner, challenge.id).progress.status is ProgressStatus.STARTED


def test_learners_are_refused_other_learners_progress_in_the_service_layer(services, learner, make_learner,
                                                                           make_challenge):
    other = make_learner("Other Learner")
    challenge = make_challenge()
    services.progress.start(other, challenge.id)
    with pytest.raises(PermissionDenied):
        services.scores.user_progress(learner, other.user_id)
    with pytest.raises(PermissionDenied):
        services.scores.score(learner, other.user_id)
    with pytest.raises(PermissionDenied):
        services.badges.awards_for(learner, other.user_id)
    with pytest.raises(PermissionDenied):
        services.progress.record(learner, other.user_id, challenge.id, 50)
    with pytest.raises(PermissionDenied):
        services.progress.reset(learner, other.user_id, challenge.id, "not mine to reset")
    assert services.scores.user_progress(learner, learner.user_id).learner.id == learner.user_id


def test_staff_may_see_any_learner_but_do_not_take_challenges_themselves(services, learner, trainer, make_challenge):
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    assert services.scores.user_progress(trainer, learner.user_id).challenges[0].challenge_id == challenge.id
    with pytest.raises(PermissionDenied):
        services.progress.start(trainer, challenge.id)
    with pytest.raises(NotFound):
        services.progress.record(trainer, trainer.user_id, challenge.id, 10)


def test_timeline_keeps_the_order_of_steps_taken_at_the_same_instant(services, learner, make_challenge):
    # The test clock never moves: every step has the same time, so only the order of the steps
    # tells them apart, past the ninth one too.
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    for percent in range(1, 12):
        services.progress.update(learner, challenge.id, percent)
    timeline = services.scores.user_progress(learner, learner.user_id).timeline.items
    assert [entry.percent for entry in timeline] == list(range(11, -1, -1))
