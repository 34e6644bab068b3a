"""Set a new password for one user (typed twice)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.controllers.users import UsersController
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.widgets.form_field import FormField


class ResetPasswordDialog(SubmitsOnEnter, FormDialog[bool]):
    """Dismissed with True once the password is changed, None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "reset-password-2"
    SUBMIT_BUTTON = "reset-password-save"
    CANCEL_BUTTON = "reset-password-cancel"
    ERROR_LINE = "reset-password-error"

    def __init__(self, controller: UsersController, user_id: int, user_label: str) -> None:
        super().__init__()
        self.controller = controller
        self.user_id = user_id
        self.user_label = user_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="reset-password"):
            yield Static(f"New password for {self.user_label}", classes="dialog-title", markup=False)
            yield FormField("Password", "password",
                            Input(id="reset-password-1", password=True, placeholder="12 to 72 bytes", compact=True))
            yield FormField("Repeat", "repeat", Input(id="reset-password-2", password=True, compact=True))
            yield self.error_line()
            yield from self.buttons("Save")

    def submit(self) -> None:
        values = self.field_values(("password", "repeat"))
        self.sending()
        self.save(values["password"], values["repeat"])

    @work(thread=True, exclusive=True, exit_on_error=False, group="reset-password")
    def save(self, password: str, repeat: str) -> None:
        self.controller.reset_password(self.user_id, password, repeat)
        deliver(self, self.dismiss, True)
