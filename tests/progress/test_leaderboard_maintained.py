"""Issue 11's rule: the boards read from the maintained figures equal the full recomputation.

A data set built through the services (so every hook runs) with ties, expiring and revoked
badges, a rule change, attendance marked then corrected, progress reset, a challenge moved
to another category and a deactivated learner; then every board (all time, each period,
each category, both), paged, for every viewer, at several moments — before and after
badges expire, with no write in between — must equal `recomputed_page`, today's
computation from the sources. `skillhub doctor` must find nothing, and a damaged figure
must be found and repaired.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models.paging import PageRequest
from domain.models.progress import Category
from domain.models.scores import Period
from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopInput
from domain.services.container import Services
from tests.conftest import NOW, make_user, with_clock
from tests.progress.conftest import at


@pytest.fixture
def world(services: Services, admin: Principal, trainer: Principal, make_challenge, make_badge):
    """Twelve learners and what happened to them over the last seven weeks (see the module docstring)."""
    people = [make_user(services, f"p{i}@example.org", Role.LEARNER, f"Person {i:02d}") for i in range(12)]
    energy = make_challenge(points=100, category="energy")
    energy2 = make_challenge(points=100, category="energy")
    water = make_challenge(points=150, category="water")
    food = make_challenge(points=50, category="food")
    moving = make_challenge(points=70, category="waste")
    make_badge("starter", "challenges_completed", 1, bonus=10, validity_days=10)
    make_badge("energy-fan", "challenges_completed", 2, category="energy", bonus=25)
    make_badge("regular", "workshops_attended", 2, bonus=15)
    make_badge("big", "points", 200, bonus=40, validity_days=30)

    def done(who: int, challenge, days_ago: float) -> None:
        moment = at(services, NOW - timedelta(days=days_ago))
        try:
            moment.progress.start(people[who], challenge.id)
            moment.progress.complete(people[who], challenge.id)
        finally:
            moment.close()

    # Ties: 0, 1 and 2 complete the same challenge at the same moment; 3 earlier.
    for who in (0, 1, 2):
        done(who, energy, 2)
    done(3, energy, 5)
    done(4, water, 40)
    done(4, food, 12)
    done(5, energy, 20)
    done(5, energy2, 19)
    done(6, water, 1)
    done(6, moving, 3)
    done(7, food, 8)
    done(8, water, 25)
    done(8, energy, 25)
    done(9, food, 3)
    # A reset takes points (and the badges they earned) back.
    later = at(services, NOW - timedelta(days=1))
    try:
        later.progress.reset(trainer, people[9].user_id, food.id, "Recorded by mistake")
    finally:
        later.close()
    # Revoked by hand, awarded by hand.
    services.badges.revoke(trainer, "starter", people[7].user_id, "Copied the answer")
    services.badges.award(trainer, "big", people[10].user_id, "Founding member")
    # A rule change: the bonus of held awards follows the badge.
    services.badges.apply(admin, "energy-fan", "Energy Fan", "", "challenges_completed", 2, "energy", 35, None, True,
                          expected_version=1)
    # A challenge moved to another category carries its completions along.
    services.challenges.update(admin, moving.id, moving.title, "", "food", 70, "easy")
    # Attendance marked, then corrected (person 11 keeps one workshop, which is their only point).
    workshops = []
    for days_ago in (4, 15):
        earlier = at(services, NOW - timedelta(days=days_ago + 1))
        try:
            workshop = earlier.workshops.create(
                admin, WorkshopInput("Repair cafe", admin.user_id, NOW - timedelta(days=days_ago), 60, 10))
            for who in (2, 5, 11):
                earlier.registrations.register(admin, workshop.id, people[who].user_id)
        finally:
            earlier.close()
        during = at(services, NOW - timedelta(days=days_ago, minutes=-30))
        try:
            during.registrations.mark_attendance(admin, workshop.id, {people[2].user_id: "present",
                                                                      people[5].user_id: "late",
                                                                      people[11].user_id: "present"})
            if days_ago == 4:
                during.registrations.mark_attendance(admin, workshop.id, {people[11].user_id: "absent"})
        finally:
            during.close()
        workshops.append(workshop.id)
    # A deactivated learner leaves the board.
    services.users.set_active(admin, people[3].user_id, False)
    return people


def _boards(services: Services, viewer: Principal, size: int) -> list[tuple[object, ...]]:
    """Every board this viewer can ask for, page by page: (filters, maintained page, recomputed page)."""
    pairs = []
    for period in Period:
        for category in [None, *Category]:
            page_number, pages = 1, 1
            while page_number <= pages:
                request = PageRequest(page_number, size)
                maintained = services.leaderboard.page(viewer, request, category, period)
                recomputed = services.leaderboard.recomputed_page(viewer, request, category, period)
                pairs.append(((period, category, page_number), maintained, recomputed))
                pages = recomputed.pages
                page_number += 1
    return pairs


@pytest.mark.parametrize("days_later", [0, 9, 11, 31, -1])
def test_every_board_equals_the_full_recomputation(services: Services, world, trainer: Principal,
                                                   days_later: int) -> None:
    """At NOW, after the 10-day "starter" awards expire (day 11) and the 30-day "big" ones
    (day 31), and a day before NOW: nobody writes in between, the boards still agree."""
    moment = with_clock(services, NOW + timedelta(days=days_later))
    try:
        for viewer in [trainer, *world]:
            for size in (4, 25):
                for filters, maintained, recomputed in _boards(moment, viewer, size):
                    assert maintained == recomputed, filters
    finally:
        moment.close()


def test_the_data_set_has_what_the_rule_is_about(services: Services, world) -> None:
    """Ties on a page, expiring bonuses, workshops in periods: the comparison above is not vacuous."""
    viewer = world[0]
    page = services.leaderboard.page(viewer, PageRequest(1, 25))
    ranks = [row.rank for row in page.rows]
    assert len(ranks) != len(set(ranks))
    assert any(row.score.workshops_attended for row in page.rows)
    assert page.total == 11
    expired = with_clock(services, NOW + timedelta(days=11))
    try:
        later = expired.leaderboard.page(viewer, PageRequest(1, 25))
    finally:
        expired.close()
    before = {row.user_id: row.score.badge_points for row in page.rows}
    after = {row.user_id: row.score.badge_points for row in later.rows}
    assert any(after[uid] < before[uid] for uid in before)


def test_doctor_finds_the_figures_clean_then_reports_and_repairs_a_damaged_one(services: Services, world) -> None:
    assert not [f for f in services.doctor.check().findings if f.kind == "scores"]
    victim = world[4].user_id
    with services.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE learner_scores SET total = total + 7, challenge_points = challenge_points + 7"
                             " WHERE user_id = %(u)s", {"u": victim})
        conn.exec_driver_sql("DELETE FROM score_points WHERE user_id = %(u)s AND source = 'badge'",
                             {"u": world[0].user_id})
    found = [f.message for f in services.doctor.check().findings if f.kind == "scores"]
    assert any(f"user {victim}: leaderboard figures differ" in line for line in found)
    assert any(f"user {world[0].user_id}:" in line for line in found)
    result = services.doctor.repair()
    assert any("rebuilt the leaderboard" in action for action in result.actions)
    assert not [f for f in result.after.findings if f.kind == "scores"]
    viewer = world[1]
    assert services.leaderboard.page(viewer, PageRequest(1, 25)) == services.leaderboard.recomputed_page(
        viewer, PageRequest(1, 25))
