"""The learner's side: a workshop in full from the catalogue, and their own name hidden on the leaderboard."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from domain.errors import PermissionDenied, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import RegistrationStatus
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import learners, register, schedule
from tui.app import SkillHubApp
from tui.screens.catalog import CatalogScreen
from tui.screens.confirm import ConfirmDialog
from tui.screens.leaderboard import LeaderboardScreen
from tui.screens.workshop_detail import WorkshopDetailScreen

SIZE = (100, 30)


def shown(app: SkillHubApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def seed_full_workshop(services: Services, trainer: Principal) -> tuple[list[Principal], int]:
    """"Docker from zero", 2 seats, taken by Lea and Lucas; Chloe first on the waitlist, Nathan second."""
    people = learners(services, 4)
    full = schedule(services, trainer, "Docker from zero", days=5, capacity=2, duration=150, place="Online")
    register(services, full, *people)
    return people, full.id


def test_catalog_entry_gives_the_learners_own_status_and_waitlist_rank(services: Services,
                                                                       trainer: Principal) -> None:
    (lea, _, _, nathan), workshop_id = seed_full_workshop(services, trainer)
    assert services.workshops.catalog_entry(nathan, workshop_id).my_status is RegistrationStatus.WAITLISTED
    assert services.workshops.catalog_entry(nathan, workshop_id).my_waitlist_rank == 2
    assert services.workshops.catalog_entry(lea, workshop_id).my_status is RegistrationStatus.CONFIRMED
    assert services.workshops.catalog_entry(trainer, workshop_id).my_status is None
    with pytest.raises(ValidationError):
        services.workshops.catalog_entry(lea, "15.5")


async def test_learner_opens_a_workshop_sees_it_in_full_and_leaves_the_waitlist_from_there(
        services: Services, trainer: Principal) -> None:
    (lea, lucas, chloe, nathan), workshop_id = seed_full_workshop(services, trainer)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, nathan.email)
        await pilot.press("2")
        await settle(pilot)
        catalog = app.screen
        assert isinstance(catalog, CatalogScreen)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, WorkshopDetailScreen)
        assert shown(app, "#detail-title") == "Docker from zero"
        assert shown(app, "#detail-facts").splitlines() == [
            "When      2026-11-27 09:00 to 11:30 UTC",
            "Duration  2 h 30",
            "Place     Online",
            "Trainer   Tom Trainer",
            "Seats     full (2 seats) · 2 on the waitlist",
        ]
        assert shown(app, "#detail-status") == "You are on the waitlist, #2."
        assert shown(app, "#detail-description") == "A workshop of the TUI tests."
        # Registering again is refused with the catalogue's own reason; cancelling is offered.
        assert detail.check_action("register", ()) is None
        assert detail.check_action("cancel_registration", ()) is True
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is detail
        assert shown(app, "#detail-status") == "You cancelled your registration."
        assert detail.check_action("register", ()) is True
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is catalog
        # The catalogue shows what was done on the detail.
        assert str(catalog.query_one("#catalog-table", DataTable).get_row_at(0)[4]).strip() == "cancelled"
    assert services.workshops.catalog_entry(chloe, workshop_id).my_waitlist_rank == 1


async def test_learner_registers_from_the_detail(services: Services, trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    schedule(services, trainer, "[@click=app.quit]x[/] Writing clean SQL", days=3, capacity=10, place=None)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, lea.email)
        await pilot.press("2")
        await settle(pilot)
        # `i` (in the footer) opens the selected workshop as enter does.
        await pilot.press("i")
        await settle(pilot)
        assert shown(app, "#detail-title") == "[@click=app.quit]x[/] Writing clean SQL"
        assert "Place     not given" in shown(app, "#detail-facts")
        assert "Seats     10 left of 10" in shown(app, "#detail-facts")
        assert shown(app, "#detail-status") == "You are not registered."
        await pilot.press("r")
        await settle(pilot)
        assert shown(app, "#detail-status") == "You have a seat."
        assert "Seats     9 left of 10" in shown(app, "#detail-facts")


def test_a_learner_hides_their_own_name_from_other_learners_not_from_themselves_nor_staff(
        services: Services, admin: Principal, learner: Principal) -> None:
    olga = make_user(services, "olga@example.org", Role.LEARNER, "Olga Other")
    services.leaderboard.set_hide_my_name(olga, True)

    def names(viewer: Principal) -> set[str]:
        return {row.display_name for row in services.leaderboard.page(viewer, PageRequest(1, 10)).rows}

    assert names(learner) == {"Lea Learner", "Anonymous learner"}
    assert names(olga) == {"Lea Learner", "Olga Other"}
    assert services.leaderboard.page(olga, PageRequest(1, 10)).hide_my_name
    assert names(admin) == {"Lea Learner", "Olga Other"}
    services.leaderboard.set_hide_my_name(olga, False)
    assert names(learner) == {"Lea Learner", "Olga Other"}
    with pytest.raises(PermissionDenied):
        services.leaderboard.set_hide_my_name(admin, True)
    with pytest.raises(ValidationError):
        services.leaderboard.set_hide_my_name(olga, "yes")


async def open_board(pilot: Pilot[None], email: str) -> None:
    await log_in(pilot, email)
    await pilot.press("4")
    await settle(pilot)


def ranking_names(app: SkillHubApp) -> list[str]:
    table = app.screen.query_one("#leaderboard-table", DataTable)
    return [str(table.get_row_at(i)[1]).strip() for i in range(table.row_count)]


async def test_hide_my_name_is_remembered_and_only_learners_have_it(services: Services, admin: Principal,
                                                                    learner: Principal) -> None:
    make_user(services, "olga@example.org", Role.LEARNER, "Olga Other")
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot, "learner@example.org")
        screen = app.screen
        assert isinstance(screen, LeaderboardScreen)
        assert screen.check_action("hide_my_name", (True,)) is True
        assert screen.check_action("hide_my_name", (False,)) is False
        await pilot.press("m")
        await settle(pilot)
        assert "Lea Learner (you)" in ranking_names(app)
        assert shown(app, "#leaderboard-you").endswith("other learners see you as “Anonymous learner”")
        assert screen.check_action("hide_my_name", (False,)) is True
    again = build_app(services)
    async with again.run_test(size=SIZE) as pilot:
        await open_board(pilot, "olga@example.org")
        assert sorted(ranking_names(again)) == ["Anonymous learner", "Olga Other (you)"]
    staff = build_app(services)
    async with staff.run_test(size=SIZE) as pilot:
        await open_board(pilot, "admin@example.org")
        assert sorted(ranking_names(staff)) == ["Lea Learner", "Olga Other"]
        assert staff.screen.check_action("hide_my_name", (True,)) is False
