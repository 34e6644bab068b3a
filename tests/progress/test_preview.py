"""A badge change's preview says who gains or loses what, and applying does exactly that."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import Conflict
from domain.models.paging import PageRequest
from domain.models.scores import Period
from tests.conftest import NOW
from tests.progress.conftest import at
from domain.models.badges import AwardState, ChangeEffect


@pytest.fixture
def population(services, trainer, make_learner, make_challenge, make_badge):
    """Five learners with 3, 1, 2, 4 and 0 completed challenges (100 points each) and the
    "achiever" badge (2+ completed, 20 bonus): held by A and C, by B by hand, revoked for D."""
    make_badge("achiever", "challenges_completed", 2, bonus=20)
    challenges = [make_challenge(points=100) for _ in range(4)]
    names = ["Alice", "Bruno", "Chloe", "Dylan", "Emma"]
    learners = {name: make_learner(name) for name in names}
    for name, done in zip(names, (3, 1, 2, 4, 0)):
        for challenge in challenges[:done]:
            services.progress.start(learners[name], challenge.id)
            services.progress.complete(learners[name], challenge.id)
    services.badges.award(trainer, "achiever", learners["Bruno"].user_id, "Mentored the newcomers")
    services.badges.revoke(trainer, "achiever", learners["Dylan"].user_id, "Shared answers")
    return learners


def _scores(services, trainer, learners) -> dict[str, int]:
    return {name: services.scores.score(trainer, p.user_id).total for name, p in learners.items()}


def _change(services, who, threshold: int, bonus: int, expected_version=None, apply=False):
    call = services.badges.apply if apply else services.badges.preview
    extra = {"expected_version": expected_version} if apply else {}
    return call(who, "achiever", "Achiever", "", "challenges_completed", threshold, None, bonus, None, True, **extra)


def test_raising_the_threshold_previews_losses_and_bonus_changes_and_apply_matches(services, trainer, population):
    before = _scores(services, trainer, population)
    assert before == {"Alice": 320, "Bruno": 120, "Chloe": 220, "Dylan": 400, "Emma": 0}

    preview = _change(services, trainer, 3, 30)

    assert [(line.full_name, line.effect, line.score_before, line.score_after) for line in preview.lines] == [
        ("Chloe", ChangeEffect.LOSES, 220, 200),
        ("Alice", ChangeEffect.BONUS_CHANGES, 320, 330),
        ("Bruno", ChangeEffect.BONUS_CHANGES, 120, 130),
    ]
    assert preview.before.version == 1 and preview.after.version == 2
    assert _scores(services, trainer, population) == before, "a preview changes nothing"

    applied = _change(services, trainer, 3, 30, expected_version=1, apply=True)

    assert applied == preview
    after = _scores(services, trainer, population)
    expected = dict(before) | {line.full_name: line.score_after for line in preview.lines}
    assert after == expected


def test_lowering_the_threshold_previews_gains_except_for_staff_revocations(services, trainer, population):
    _change(services, trainer, 3, 20, expected_version=1, apply=True)  # Chloe loses it
    preview = _change(services, trainer, 1, 20)
    assert [(line.full_name, line.effect, line.value) for line in preview.gains] == [("Chloe", ChangeEffect.GAINS, 2)]
    assert preview.losses == []
    applied = _change(services, trainer, 1, 20, expected_version=2, apply=True)
    assert applied == preview
    chloe = population["Chloe"].user_id
    assert services.scores.score(trainer, chloe).total == preview.gains[0].score_after == 220
    # Her award was closed by the rule change, not by anything she did: the same award comes back.
    assert services.db["badge_awards"].count_documents({"user_id": chloe}) == 1
    [held] = services.badges.awards_for(trainer, chloe)
    assert (held.award.id, held.state, held.award.revoked_at) == (f"achiever:{chloe}:1", AwardState.ACTIVE, None)


def test_applying_against_a_stale_version_changes_nothing(services, trainer, population):
    before = _scores(services, trainer, population)
    with pytest.raises(Conflict, match="changed since the preview"):
        _change(services, trainer, 4, 99, expected_version=7, apply=True)
    assert _scores(services, trainer, population) == before
    assert services.badges.get_badge(trainer, "achiever").version == 1


def test_new_badge_preview_lists_everyone_who_would_gain_it(services, trainer, population):
    preview = services.badges.preview(trainer, "starter", "Starter", "", "challenges_completed", 1, None, 5)
    assert preview.before is None
    assert sorted(line.full_name for line in preview.gains) == ["Alice", "Bruno", "Chloe", "Dylan"]
    applied = services.badges.apply(trainer, "starter", "Starter", "", "challenges_completed", 1, None, 5)
    assert applied == preview
    with pytest.raises(Conflict):
        services.badges.apply(trainer, "starter", "Starter", "", "challenges_completed", 1, None, 5)


def test_editing_a_rule_back_and_forth_keeps_the_original_award_date(services, trainer, learner, make_challenge,
                                                                      make_badge):
    make_badge("achiever", "challenges_completed", 1, bonus=20)
    first, second = make_challenge(points=100), make_challenge(points=100)
    earned_at = NOW - timedelta(days=40)
    then = at(services, earned_at)
    then.progress.start(learner, first.id)
    then.progress.complete(learner, first.id)
    then.close()

    def edit(threshold: int, bonus: int, version: int) -> None:
        services.badges.apply(trainer, "achiever", "Achiever", "", "challenges_completed", threshold, None, bonus,
                              None, True, expected_version=version)

    def awards() -> list[tuple[str, object, AwardState]]:
        return [(h.award.id, h.award.awarded_at, h.state) for h in services.badges.awards_for(trainer, learner.user_id)]

    def last_30_days() -> int:
        return services.leaderboard.page(learner, PageRequest(1, 5), period=Period.LAST_30_DAYS).viewer.score.total

    award_id = f"achiever:{learner.user_id}:1"
    edit(1, 30, 1)  # a new bonus only
    assert awards() == [(award_id, earned_at, AwardState.ACTIVE)]
    edit(2, 30, 2)  # a rule the learner no longer meets, then back
    assert awards() == [(award_id, earned_at, AwardState.REVOKED)]
    edit(1, 30, 3)
    assert awards() == [(award_id, earned_at, AwardState.ACTIVE)]
    assert services.scores.score(learner, learner.user_id).badge_points == 30
    assert last_30_days() == 0, "a badge earned 40 days ago does not count in the last 30 days"

    # Really lost (a reset) and earned again: a new award, dated when it was earned again.
    services.progress.reset(trainer, learner.user_id, first.id, "Recorded on the wrong account")
    services.progress.start(learner, second.id)
    services.progress.complete(learner, second.id)
    assert awards() == [(f"achiever:{learner.user_id}:2", NOW, AwardState.ACTIVE),
                        (award_id, earned_at, AwardState.REVOKED)]
    assert last_30_days() == 100 + 30
    # The learner's screen shows the badge once, as held.
    view = services.scores.user_progress(learner, learner.user_id)
    assert [(h.award.id, h.state) for h in view.badges] == [(f"achiever:{learner.user_id}:2", AwardState.ACTIVE)]
