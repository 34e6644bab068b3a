"""The demo step: challenges, badges and a few weeks of progress for the demo learners."""

from __future__ import annotations

from collections import Counter

from domain.models.paging import PageRequest
from domain.models.users import SYSTEM
from domain.devdata.seed import seed_demo


def test_demo_seeds_challenges_badges_progress_and_awards(services):
    assert seed_demo(services.skillhub, password="demo password long enough") is not None
    assert services.challenges.list(SYSTEM, PageRequest(1, 50)).total == 11
    assert {b.rule.type.value for b in services.badges.list_badges(SYSTEM)} == {
        "challenges_completed", "points", "workshops_attended", "streak_days"}
    awards = Counter(d["badge_code"] for d in services.db["badge_awards"].find({}))
    assert awards["first-steps"] >= 5 and awards["steady-streak"] == 1
    # One "workshop regular" is given by hand; the workshops demo's attendance earns the others.
    regulars = list(services.db["badge_awards"].find({"badge_code": "workshop-regular"}))
    assert [d["manual"] for d in regulars].count(True) == 1
    assert all(d["evidence"]["value"] >= 2 for d in regulars if not d["manual"])
    assert services.relay.pending() == []
    board = services.leaderboard.page(SYSTEM, PageRequest(1, 12))
    assert board.total == 12 and board.rows[0].score.total > board.rows[-1].score.total
    first = board.rows[0]
    view = services.scores.user_progress(SYSTEM, first.user_id)
    assert view.score == first.score and sum(view.weekly.points) > 0
    kinds = Counter(e["kind"] for e in services.db["progress_events"].find({}))
    assert kinds["completed"] > 10 and kinds["reset"] == 1
