"""Search as you type: every list searches once typing pauses, and says "no match" apart from "empty"."""

from __future__ import annotations

import time

from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import log_in, settle
from tests.tui.progress_helpers import rows, text_of
from tui.app import SkillHubApp
from tui.screens.activity import ActivityScreen
from tui.screens.users import UsersScreen
from tui.widgets.searching import SEARCH_PAUSE, no_match

SIZE = (100, 30)


async def test_users_list_searches_as_typed_once_typing_pauses(app: SkillHubApp, services: Services,
                                                               admin: Principal, learner: Principal) -> None:
    make_user(services, "zoe@example.org", Role.LEARNER, "Zoé Ünïcode")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        assert len(rows(app, "#users-table")) == 3
        fetches: list[str] = []
        original = screen.controller.page
        screen.controller.page = lambda number, search="": fetches.append(search) or original(number, search)
        started = time.monotonic()
        await pilot.press("slash", *"zoé")
        # Three keys, one search: typing never reloads the list key by key.
        await settle(pilot)
        assert time.monotonic() - started >= SEARCH_PAUSE
        assert fetches == ["zoé"]
        assert [row[0] for row in rows(app, "#users-table")] == ["Zoé Ünïcode"]
        # The focus stays in the field: typing goes on.
        assert app.focused is screen.query_one("#users-search")
        await pilot.press(*"xyz")
        await settle(pilot)
        assert rows(app, "#users-table") == []
        assert text_of(app, "#users-page") == "No match for “zoéxyz”"


async def test_a_list_with_nothing_in_it_says_so_apart_from_no_match(app: SkillHubApp, services: Services,
                                                                     admin: Principal) -> None:
    services.db["activity_logs"].delete_many({})
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityScreen)
        assert text_of(app, "#activity-page") == "Page 1 of 1 · 0 entries"
        await pilot.press("slash", *"nobody")
        await settle(pilot)
        assert text_of(app, "#activity-page") == no_match("nobody") == "No match for “nobody”"


async def test_activity_actor_filter_matches_part_of_a_name_or_an_email(app: SkillHubApp, services: Services,
                                                                       admin: Principal, learner: Principal,
                                                                       trainer: Principal) -> None:
    services.users.change_role(admin, learner.user_id, Role.TRAINER)
    services.users.set_active(admin, trainer.user_id, False)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        assert len(rows(app, "#activity-table")) == 5
        # Part of the admin's name ("Ada Admin"), in another case.
        await pilot.press("slash", *"ADA AD")
        await settle(pilot)
        assert [row[2] for row in rows(app, "#activity-table")] == ["user.deactivate", "user.role"]
        # enter goes back to the table, where c clears the filters.
        await pilot.press("enter", "c")
        await settle(pilot)
        assert len(rows(app, "#activity-table")) == 5


def test_actor_filter_reads_every_character_literally(services: Services, admin: Principal,
                                                      learner: Principal) -> None:
    services.users.change_role(admin, learner.user_id, Role.TRAINER)

    def actions(actor: str) -> list[str]:
        return [entry.action for entry in services.activity.list(admin, PageRequest(), actor=actor).items]

    assert actions("admin@example") == ["user.role"]
    assert actions("DMIN@EXAMPLE.ORG") == ["user.role"]
    # The CLI's actor created the accounts.
    assert actions("skillhub cli") == ["user.create"] * 2
    for literal in (".*", "%", "_", "\\", "[a-z]", '{"$ne": ""}', "^a"):
        assert actions(literal) == [], literal
    assert actions("a") == ["user.role", "user.create", "user.create"]
    assert services.activity.list(SYSTEM, PageRequest(), actor="%").total == 0
