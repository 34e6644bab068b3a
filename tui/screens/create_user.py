"""The form to create a user, with each field's error shown under it."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from domain.models.users import Role
from tui.controllers.users import UserRow, UsersController
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.text import literal_options
from tui.widgets.form_field import FormField

FIELDS = ("email", "full_name", "role", "password")


class CreateUserDialog(SubmitsOnEnter, FormDialog[UserRow]):
    """Dismissed with the new user's row, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Create"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "new-password"
    SUBMIT_BUTTON = "create-user-save"
    CANCEL_BUTTON = "create-user-cancel"
    ERROR_LINE = "create-user-error"

    def __init__(self, controller: UsersController) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="create-user"):
            yield Static("New user", classes="dialog-title", markup=False)
            yield FormField("Email", "email", Input(id="new-email", placeholder="name@example.org", compact=True))
            yield FormField("Full name", "full_name", Input(id="new-name", compact=True))
            yield FormField(
                "Role", "role",
                Select(literal_options((r.value, r.value) for r in Role), value=Role.LEARNER.value,
                       allow_blank=False, id="new-role", compact=True),
            )
            yield FormField("Password", "password",
                            Input(id="new-password", password=True, placeholder="12 to 72 bytes", compact=True))
            yield self.error_line()
            yield from self.buttons("Create")

    def submit(self) -> None:
        values = self.field_values(FIELDS)
        self.sending()
        self.create(values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="create-user")
    def create(self, values: dict[str, str]) -> None:
        row = self.controller.create(values["email"], values["full_name"], values["role"], values["password"])
        deliver(self, self.dismiss, row)
