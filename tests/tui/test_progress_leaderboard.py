"""Pilot tests of the Leaderboard (key 4): ranking, the viewer's pinned line, filters, hidden names."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static

from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle
from tui.app import SkillHubApp
from tui.screens.leaderboard import LeaderboardScreen

SIZE = (100, 30)


def ranking(app: SkillHubApp) -> list[tuple[str, str, str]]:
    table = app.screen.query_one("#leaderboard-table", DataTable)
    return [tuple(str(cell).strip() for cell in table.get_row_at(i)[:3]) for i in range(table.row_count)]


def pinned(app: SkillHubApp) -> str:
    return str(app.screen.query_one("#leaderboard-you", Static).render())


def complete(services: Services, who: Principal, challenge_id: int) -> None:
    services.progress.start(who, challenge_id)
    services.progress.complete(who, challenge_id)


def seed(services: Services, admin: Principal, learner: Principal) -> Principal:
    """Olga completes an energy and a water challenge (130), Lea a mobility one (120)."""
    olga = make_user(services, "olga@example.org", Role.LEARNER, "Olga Other")
    energy = services.challenges.create(admin, "Switch off standby devices", "", "energy", 50, "easy")
    water = services.challenges.create(admin, "Five-minute showers", "", "water", 80, "easy")
    mobility = services.challenges.create(admin, "Cycle to the training centre", "", "mobility", 120, "medium")
    complete(services, olga, energy.id)
    complete(services, olga, water.id)
    complete(services, learner, mobility.id)
    return olga


async def open_board(pilot: Pilot[None], email: str) -> None:
    await log_in(pilot, email)
    await pilot.press("4")
    await settle(pilot)


async def test_equal_scores_share_a_rank_and_the_screen_says_how_ties_are_ordered(
        services: Services, admin: Principal, learner: Principal) -> None:
    seed(services, admin, learner)
    bonus = services.challenges.create(admin, "Repair, do not replace", "", "waste", 10, "easy")
    complete(services, learner, bonus.id)
    make_user(services, "noe@example.org", Role.LEARNER, "Noé Newcomer")
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        # Both reached 130 at the test clock's one instant: the older account is listed first.
        assert ranking(app) == [("1", "Lea Learner (you)", "130"), ("1", "Olga Other", "130"),
                                ("3", "Noé Newcomer", "0")]
        assert pinned(app).startswith("You: #1 of 3 · 130 = ")
        assert str(app.screen.query_one("#leaderboard-ties", Static).render()) == (
            "Equal scores share a rank, listed by who reached the score first.")


async def test_hiding_names_is_remembered_for_the_learner_who_chose_it(services: Services, admin: Principal,
                                                                     learner: Principal) -> None:
    seed(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        screen = app.screen
        assert isinstance(screen, LeaderboardScreen)
        assert ranking(app) == [("1", "Olga Other", "130"), ("2", "Lea Learner (you)", "120")]
        assert screen.check_action("hide_names", (True,)) is True
        assert screen.check_action("hide_names", (False,)) is False
        await pilot.press("h")
        await settle(pilot)
        assert ranking(app) == [("1", "Anonymous learner", "130"), ("2", "Lea Learner (you)", "120")]
        assert "Other learners' names are hidden; SkillHub remembers it for you." in [
            n.message for n in app._notifications]
        # The footer now offers the way back.
        assert screen.check_action("hide_names", (False,)) is True
        await pilot.press("1", "4")
        await settle(pilot)
        assert ranking(app)[0] == ("1", "Anonymous learner", "130")
    assert services.leaderboard.hide_names(learner) is True

    # A new session remembers it; another learner's board is not affected.
    again = build_app(services)
    async with again.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        assert ranking(again)[0] == ("1", "Anonymous learner", "130")
        await pilot.press("h")
        await settle(pilot)
        assert ranking(again)[0] == ("1", "Olga Other", "130")
    assert services.leaderboard.hide_names(learner) is False


async def test_learner_always_sees_their_own_rank_under_the_table(services: Services, admin: Principal,
                                                                 learner: Principal) -> None:
    seed(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        assert pinned(app) == ("You: #2 of 2 · 120 = 120 challenges + 0 badges + 0 workshops (0 × 10) · "
                               "1 challenge completed")


async def test_category_and_period_keys_filter_the_ranking(services: Services, admin: Principal,
                                                          learner: Principal) -> None:
    seed(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        # Each key opens its list of values (as every filter key does); down and enter pick the next one.
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.query_one("#leaderboard-category-filter", Select).expanded
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#leaderboard-category-filter", Select).value == "energy"
        assert ranking(app) == [("1", "Olga Other", "50"), ("2", "Lea Learner (you)", "0")]
        await pilot.press("c", "down", "down", "enter")
        await settle(pilot)
        assert ranking(app) == [("1", "Lea Learner (you)", "120"), ("2", "Olga Other", "0")]
        await pilot.press("p", "down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#leaderboard-period-filter", Select).value == "30d"
        assert ranking(app)[0] == ("1", "Lea Learner (you)", "120")
        assert pinned(app).startswith("You: #1 of 2 · 120 = ")


async def test_staff_see_the_ranking_without_a_rank_of_their_own(services: Services, admin: Principal,
                                                                trainer: Principal, learner: Principal) -> None:
    seed(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "trainer@example.org")
        assert ranking(app) == [("1", "Olga Other", "130"), ("2", "Lea Learner", "120")]
        assert pinned(app) == "Trainers and admins are not ranked: the board lists learners only."
