"""A screen's first data is read by whoever opens it, so the screen is mounted with it (painted once)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from domain.errors import DatabaseUnavailable
from domain.models.users import Principal
from domain.services.container import Services
from tests.tui.conftest import log_in, settle
from tests.tui.test_flows import SIZE, text_of
from tests.tui.workshops_data import learners, register, schedule
from tui.app import SkillHubApp
from tui.screens.registrations import RegistrationsScreen
from tui.screens.users import UsersScreen
from tui.screens.workshops import WorkshopsScreen


async def open_users(pilot: Pilot[None]) -> None:
    await log_in(pilot, "admin@example.org")
    await pilot.press("5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UsersScreen)


def _count_own_loads(monkeypatch: pytest.MonkeyPatch, screen_class: type, method: str) -> list[int]:
    calls: list[int] = []
    original = getattr(screen_class, method)

    def counted(self: Any, *args: Any) -> Any:
        calls.append(1)
        return original(self, *args)

    monkeypatch.setattr(screen_class, method, counted)
    return calls


def _rows_when_mounted(monkeypatch: pytest.MonkeyPatch, screen_class: type, table: str) -> list[int]:
    """The row count of `table` at the end of each on_mount of `screen_class` (before its first paint)."""
    seen: list[int] = []
    original = screen_class.on_mount

    def watched(self: Any) -> None:
        original(self)
        seen.append(self.query_one(table, DataTable).row_count)

    monkeypatch.setattr(screen_class, "on_mount", watched)
    return seen


async def test_a_section_opens_with_its_first_page_already_read(app: SkillHubApp, admin: Principal,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    own_loads = _count_own_loads(monkeypatch, UsersScreen, "fetch")
    mounted = _rows_when_mounted(monkeypatch, UsersScreen, "#users-table")
    async with app.run_test(size=SIZE) as pilot:
        await open_users(pilot)
        # Filled while mounting, by the opening worker's read: no load of its own, no empty paint.
        assert mounted and mounted[0] > 0
        assert own_loads == []
        # Later loads are the screen's own, as before (a new search, another page, a change).
        app.screen.reload()
        await settle(pilot)
        assert own_loads == [1]


async def test_registrations_open_with_their_sheet_already_read(app: SkillHubApp, services: Services,
                                                               trainer: Principal,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    register(services, workshop, *learners(services, 2))
    own_loads = _count_own_loads(monkeypatch, RegistrationsScreen, "fetch")
    mounted = _rows_when_mounted(monkeypatch, RegistrationsScreen, "#sheet-confirmed")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, trainer.email)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        assert mounted == [2] and own_loads == []
        assert text_of(app, "#sheet-title") == "Writing clean SQL"


async def test_a_read_ahead_that_fails_leaves_the_screen_to_load_and_report_it_the_usual_way(
        app: SkillHubApp, admin: Principal, monkeypatch: pytest.MonkeyPatch) -> None:
    failures: list[str] = []
    original = UsersScreen.read_page

    def fails_once(self: Any, number: int) -> Any:
        if not failures:
            failures.append("read ahead")
            raise DatabaseUnavailable("PostgreSQL", "connection refused", "Check DATABASE_URL.")
        return original(self, number)

    monkeypatch.setattr(UsersScreen, "read_page", fails_once)
    own_loads = _count_own_loads(monkeypatch, UsersScreen, "fetch")
    async with app.run_test(size=SIZE) as pilot:
        await open_users(pilot)
        # The screen's own load ran (and would have met and reported the error itself).
        assert failures == ["read ahead"] and own_loads == [1]
        assert app.screen.query_one("#users-table", DataTable).row_count > 0
