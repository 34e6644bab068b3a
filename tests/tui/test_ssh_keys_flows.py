"""Pilot tests: the app started with a session (as over SSH) and the SSH keys screen."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from domain.models.users import Principal
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD
from tests.ssh.keys import key_pair, pub_line
from tests.tui.conftest import log_in, settle
from tui.app import LOGGED_OUT, SkillHubApp
from tui.screens.add_ssh_key import AddSshKeyDialog
from tui.screens.confirm import ConfirmDialog
from tui.screens.home import HomeScreen
from tui.screens.ssh_keys import SshKeysScreen
from tui.screens.users import UsersScreen

SIZE = (100, 30)


def _rows(app: SkillHubApp) -> list[list[str]]:
    table = app.screen.query_one("#ssh-keys-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_app_given_a_session_opens_on_home_and_logout_ends_it(services: Services, learner: Principal) -> None:
    session = services.auth.login(learner.email, TEST_PASSWORD, source="ssh")
    app = SkillHubApp(services, session=session, clock=services.clock, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert learner.email in str(app.screen.query_one("#home-who", Static).render())
        await pilot.press("ctrl+l")
        await settle(pilot)
    assert app.return_code == 0
    # No login screen to go back to: the app ends, and says why once the terminal is restored
    # (whoever ran it prints `farewell`, see tui/ssh/child.py).
    assert app.farewell == LOGGED_OUT
    # The app leaves revoking to whoever gave it the session (the SSH session's process).
    assert services.auth.authenticate(session.token).user_id == learner.user_id


async def test_a_learner_adds_and_removes_their_own_key_from_home(services: Services, learner: Principal) -> None:
    key = key_pair()
    app = SkillHubApp(services, clock=services.clock, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, learner.email)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, SshKeysScreen)
        assert "No key yet" in str(app.screen.query_one("#ssh-keys-hint", Static).render())

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddSshKeyDialog)
        field = app.screen.query_one("#ssh-key-text", Input)
        field.value = "ssh-rsa AAAA"
        await pilot.press("enter")
        await settle(pilot)
        assert "damaged" in str(app.screen.query_one("#field-public_key .form-field--error", Static).render())

        field.value = pub_line(key)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SshKeysScreen)
        assert _rows(app)[0] == ["ED25519 256", "tester@laptop", "2026-11-22", "never", key.get_fingerprint("sha256")]

        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert _rows(app) == []
    assert services.ssh_keys.list(learner, learner.user_id) == []


async def test_an_admin_opens_a_users_keys_from_the_users_screen(services: Services, admin: Principal,
                                                               learner: Principal) -> None:
    services.ssh_keys.add(learner, learner.user_id, pub_line(key_pair()).replace("tester@laptop", "[/] laptop"))
    app = SkillHubApp(services, clock=services.clock, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, admin.email)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        emails = [u.email for u in app.screen.rows]
        app.screen.table.move_cursor(row=emails.index(learner.email))
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, SshKeysScreen)
        assert learner.email in str(app.screen.query_one("#ssh-keys-owner", Static).render())
        assert _rows(app)[0][1] == "[/] laptop"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
