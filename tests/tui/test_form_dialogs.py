"""FormDialog, the base of every form: its buttons send and cancel like its keys, errors land where they belong."""

from __future__ import annotations

from textual.widgets import Button, Input, Static

from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.services.container import Services
from tests.tui.conftest import log_in, settle
from tui.app import SkillHubApp
from tui.screens.create_user import CreateUserDialog
from tui.screens.reset_password import ResetPasswordDialog
from tui.screens.users import UsersScreen

SIZE = (100, 30)


async def test_the_buttons_of_a_form_send_it_and_cancel_it(app: SkillHubApp, services: Services,
                                                           admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5", "n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CreateUserDialog)
        await pilot.click("#create-user-save")
        await settle(pilot)
        assert str(dialog.query_one("#field-full_name .form-field--error", Static).render()) == "Name is required"
        assert dialog.query_one("#create-user-save", Button).disabled is False
        await pilot.click("#create-user-cancel")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)

        await pilot.press("p")
        await settle(pilot)
        reset = app.screen
        assert isinstance(reset, ResetPasswordDialog)
        reset.query_one("#reset-password-1", Input).value = "a long enough password"
        reset.query_one("#reset-password-2", Input).value = "not the same password"
        await pilot.click("#reset-password-save")
        await settle(pilot)
        assert str(reset.query_one("#field-repeat .form-field--error", Static).render()) == "The two passwords differ."
        await pilot.click("#reset-password-cancel")
        await settle(pilot)
        # Typed passwords are not discarded without a yes.
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        assert [n.message for n in app._notifications] == []
    assert services.users.list(admin, PageRequest(1, 50)).total == 1
