"""A bug never paints over the terminal: it is logged under an id, the id is shown, the app goes on."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Static

from domain.models.users import Principal
from domain.services.container import Services
from domain.infrastructure.logfile import LogSetup
from tests.tui.conftest import build_app, log_in, settle
from tui.app import SkillHubApp
from tui.controllers.users import UsersController
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.unexpected_error import UnexpectedErrorDialog
from tui.screens.users import UsersScreen

SIZE = (100, 30)
ERROR_ID = re.compile(r"Error id: ([0-9a-f]{8}) ")

pytestmark = pytest.mark.expects_unexpected_errors


def shown_error_id(app: SkillHubApp) -> str:
    dialog = app.screen
    assert isinstance(dialog, UnexpectedErrorDialog)
    found = ERROR_ID.search(str(dialog.query_one("#unexpected-error-id", Static).render()))
    assert found, "the dialog shows an 8-hex-digit error id"
    return found.group(1)


def log_entry(logs: LogSetup, error_id: str) -> str:
    """The log line of `error_id` and the traceback under it."""
    text = logs.path.read_text()
    start = text.rfind("\n", 0, text.index(f"error {error_id}: ")) + 1
    following = re.search(r"^\d{4}-\d\d-\d\dT", text[start + 1:], re.MULTILINE)
    return text[start:start + 1 + following.start()] if following else text[start:]


async def test_a_failing_worker_shows_the_error_id_and_the_log_keeps_the_traceback(
        app: SkillHubApp, services: Services, admin: Principal, logs: LogSetup,
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    def broken(self: UsersController, number: int, search: str = "") -> object:
        raise RuntimeError("injected failure in UsersController.page")

    monkeypatch.setattr(UsersController, "page", broken)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        error_id = shown_error_id(app)
        dialog_text = str(app.screen.query_one("#unexpected-error-log", Static).render())
        assert dialog_text == f"The details are in the log file: {logs.path}"
        # The user goes back to the screen, and the app answers keys as before.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert app.is_running and app.return_code is None
    entry = log_entry(logs, error_id)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid=\d+ ERROR skillhub\.tui: error " + error_id, entry)
    assert "unexpected RuntimeError in worker 'fetch' (group 'users-page') of UsersScreen" in entry
    assert "Traceback (most recent call last)" in entry
    assert "RuntimeError: injected failure in UsersController.page" in entry
    assert capfd.readouterr() == ("", "")


async def test_a_bug_in_an_action_is_reported_and_the_screen_keeps_working(
        app: SkillHubApp, admin: Principal, logs: LogSetup, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    def broken(self: UsersScreen) -> None:
        raise KeyError("injected bug in an action")

    monkeypatch.setattr(UsersScreen, "action_new_user", broken)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        error_id = shown_error_id(app)
        await pilot.press("enter")
        await settle(pilot)
        users = app.screen
        assert isinstance(users, UsersScreen)
        # The screen's own message loop still runs: the search key moves to its field.
        await pilot.press("slash")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "users-search"
        assert app.is_running
    entry = log_entry(logs, error_id)
    assert "unexpected KeyError in action 'new_user' of UsersScreen" in entry
    assert "KeyError: 'injected bug in an action'" in entry
    assert capfd.readouterr() == ("", "")


async def test_a_bug_in_a_message_handler_is_reported_and_every_id_is_kept(
        app: SkillHubApp, admin: Principal, learner: Principal, logs: LogSetup, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    def broken(self: UsersScreen, event: object) -> None:
        raise ValueError("injected bug in a handler")

    # Runs in the screen's own message loop whenever the table's cursor lands on a row.
    monkeypatch.setattr(UsersScreen, "on_data_table_row_highlighted", broken, raising=False)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        first = shown_error_id(app)
        # A second error while the dialog is open joins it instead of stacking another dialog.
        users = app.screen_stack[-2]
        assert isinstance(users, UsersScreen)
        users.table.move_cursor(row=1)
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, UnexpectedErrorDialog)
        assert len(dialog.error_ids) == 2 and dialog.error_ids[0] == first
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is users and isinstance(users, UsersScreen)
        assert users.selected is not None and users.selected.email == "learner@example.org"
    for error_id in dialog.error_ids:
        entry = log_entry(logs, error_id)
        assert "unexpected ValueError handling RowHighlighted of UsersScreen" in entry
        assert "ValueError: injected bug in a handler" in entry
    assert capfd.readouterr() == ("", "")


async def test_a_screen_that_cannot_be_built_stops_the_app_with_an_id_and_no_traceback_on_screen(
        services: Services, admin: Principal, logs: LogSetup, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    def broken(self: HomeScreen) -> None:
        raise RuntimeError("injected bug while building Home")

    monkeypatch.setattr(HomeScreen, "compose", broken)
    app = build_app(services)
    with pytest.raises(RuntimeError, match="injected bug while building Home"):
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, "admin@example.org")
    assert app.crash_id is not None and re.fullmatch(r"[0-9a-f]{8}", app.crash_id)
    assert app._exit_renderables == []
    entry = log_entry(logs, app.crash_id)
    assert "unexpected RuntimeError that stopped the TUI" in entry
    assert "RuntimeError: injected bug while building Home" in entry
    assert capfd.readouterr() == ("", "")
