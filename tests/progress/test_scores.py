"""The global score formula on hand-computed fixtures, and the user progress view."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.errors import NotFound
from domain.models.badges import AwardState
from domain.models.paging import PageRequest
from domain.models.progress import ProgressStatus
from domain.models.scores import WORKSHOP_POINTS, ScoreBreakdown
from tests.conftest import NOW
from tests.progress.conftest import at, attend


def test_breakdown_adds_challenges_active_badges_and_workshops():
    score = ScoreBreakdown(challenge_points=200, badge_points=25, workshops_attended=3)
    assert WORKSHOP_POINTS == 10
    assert (score.workshop_points, score.total) == (30, 255)
    assert score.describe() == "255 = 200 challenges + 25 badges + 30 workshops (3 × 10)"


@pytest.fixture
def scored_learner(services, learner, trainer, make_challenge, make_badge):
    """Hand-computed: 120 + 80 completed (a started 50 and a reset 70 do not count),
    badges 25 active / 40 revoked / 15 expired, workshops 2 present + 1 late + 1 absent."""
    make_badge("first-steps", "challenges_completed", 1, bonus=25)
    make_badge("flash", "challenges_completed", 1, bonus=15, validity_days=1)
    make_badge("helper", "points", 100_000, bonus=40)
    three_days_ago = at(services, NOW - timedelta(days=3))
    first = make_challenge(points=120)
    three_days_ago.progress.start(learner, first.id)
    three_days_ago.progress.complete(learner, first.id)  # earns first-steps and flash (expired since)
    for points, finish in ((80, 100), (50, 60)):
        challenge = make_challenge(points=points)
        services.progress.start(learner, challenge.id)
        services.progress.update(learner, challenge.id, finish)
    undone = make_challenge(points=70)
    services.progress.record(trainer, learner.user_id, undone.id, 100)
    services.progress.reset(trainer, learner.user_id, undone.id, "Duplicate entry")
    services.badges.award(trainer, "helper", learner.user_id, "Helped at the fair")
    services.badges.revoke(trainer, "helper", learner.user_id, "Wrong person")
    for workshop, attendance in ((1, "present"), (2, "late"), (3, "present"), (4, "absent")):
        attend(services, learner.user_id, workshop, attendance)
    return learner


def test_score_counts_only_completed_challenges_active_badges_and_attended_workshops(services, scored_learner):
    score = services.scores.score(scored_learner, scored_learner.user_id)
    assert score == ScoreBreakdown(challenge_points=200, badge_points=25, workshops_attended=3)
    assert score.total == 255


def test_progress_view_combines_both_databases(services, scored_learner):
    view = services.scores.user_progress(scored_learner, scored_learner.user_id, PageRequest(1, 3))
    assert view.learner.full_name == "Lea Learner"
    assert sorted((c.challenge_points, c.status, c.percent) for c in view.challenges) == [
        (50, ProgressStatus.STARTED, 60), (70, ProgressStatus.RESET, 0),
        (80, ProgressStatus.COMPLETED, 100), (120, ProgressStatus.COMPLETED, 100),
    ]
    assert [(h.award.badge_code, h.state) for h in view.badges] == [
        ("first-steps", AwardState.ACTIVE), ("flash", AwardState.EXPIRED), ("helper", AwardState.REVOKED),
    ]
    assert view.score.total == 255
    assert view.timeline.total == 8 and len(view.timeline.items) == 3 and view.timeline.pages == 3
    newest = view.timeline.items[0]
    assert (newest.kind.value, newest.points, newest.reason, newest.by_name) == (
        "reset", 70, "Duplicate entry", "Tom Trainer")


def test_weekly_points_cover_twelve_weeks_oldest_first(services, learner, make_challenge, make_badge):
    make_badge("first-steps", "challenges_completed", 1, bonus=5)
    # NOW is Sunday 22 November 2026: its week starts on Monday 16 November.
    for days_ago, points in ((200, 999), (60, 100), (7, 40), (6, 20), (0, 30)):
        challenge = make_challenge(points=points)
        moment = at(services, NOW - timedelta(days=days_ago))
        moment.progress.start(learner, challenge.id)
        moment.progress.complete(learner, challenge.id)
    weekly = services.scores.user_progress(learner, learner.user_id).weekly
    assert weekly.weeks[0] == date(2026, 8, 31) and weekly.weeks[-1] == date(2026, 11, 16)
    assert len(weekly.points) == 12
    # The badge came with the 200-days-ago completion, before the window.
    assert weekly.points == [0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 40, 50]


def test_weekly_points_count_a_workshop_attended_in_the_week_it_took_place(services, learner, held_workshop):
    for days_ago, attendance in ((100, "present"), (13, "late"), (1, "present"), (2, "absent")):
        attend(services, learner.user_id, held_workshop(NOW - timedelta(days=days_ago)), attendance)
    view = services.scores.user_progress(learner, learner.user_id)
    assert view.score.workshops_attended == 3
    # 100 days ago is before the twelve weeks; the absence earns nothing.
    assert view.weekly.points == [0] * 9 + [0, WORKSHOP_POINTS, WORKSHOP_POINTS]


def test_progress_view_of_someone_who_is_not_a_learner_is_not_found(services, trainer, admin):
    with pytest.raises(NotFound):
        services.scores.user_progress(admin, trainer.user_id)
