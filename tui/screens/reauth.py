"""Asked over the current screen when the session ended: the same person's password, and work goes on.

Everything typed in the screens and dialogs underneath stays as it was; the shell starts again
the work the ended session refused once the password is accepted.
"""

from __future__ import annotations

import enum

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from domain.errors import SkillHubError
from tui.controllers.login import ReauthController, Welcome
from tui.screens.base import ENTER_IN_FORM, ShellDialog, SubmitsOnEnter, deliver
from tui.widgets.form_field import FormField


class ReauthOutcome(enum.Enum):
    """How the dialog ended."""

    RESUMED = "resumed"  # the same person, a new session: finish what was pending
    SWITCH_USER = "switch_user"  # another email: a full logout, to the login screen
    LOG_OUT = "log_out"


class ReauthDialog(SubmitsOnEnter, ShellDialog[ReauthOutcome]):
    """Why the session ended, and the password of the person it belonged to.

    There is no cancel: without a session nothing underneath can be saved. Escape does
    nothing here (over SSH a split key sequence arrives as a bare escape); ctrl+l logs out.
    """

    BINDINGS = [
        Binding("ctrl+l", "log_out", "Log out", priority=True),
        Binding("escape", "stay", show=False),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "reauth-password"
    AUTO_FOCUS = "#reauth-password"

    def __init__(self, controller: ReauthController, reason: str) -> None:
        super().__init__()
        self.controller = controller
        self.reason = reason
        # Set when the dialog ends: who is back (RESUMED), or the other email typed (SWITCH_USER).
        self.welcome: Welcome | None = None
        self.switched_to = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="reauth"):
            yield Static("Your session ended", classes="dialog-title", markup=False)
            yield Static(self.reason, id="reauth-reason", markup=False)
            yield Static("Enter your password to carry on: what you typed is kept and sent once you are "
                         "back. Another email logs out.", classes="hint", markup=False)
            yield FormField("Email", "email", Input(self.controller.email, id="reauth-email", max_length=254,
                                                    compact=True))
            yield FormField("Password", "password", Input(id="reauth-password", password=True, max_length=1024,
                                                          compact=True))
            yield Static("", id="reauth-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Continue (enter)", id="reauth-continue", variant="primary", compact=True)
                yield Button("Log out (ctrl+l)", id="reauth-logout", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reauth-error").display = False

    @on(Button.Pressed, "#reauth-continue")
    def submit(self) -> None:
        """Send the password (enter in the password field, or the button)."""
        if self.query_one("#reauth-continue", Button).disabled:
            return
        email = self.query_one("#reauth-email", Input).value
        if self.controller.is_someone_else(email):
            self.switched_to = email.strip()
            self.dismiss(ReauthOutcome.SWITCH_USER)
            return
        self._show_error_line("")
        self.query_one("#reauth-continue", Button).disabled = True
        self.resume(email, self.query_one("#reauth-password", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reauth")
    def resume(self, email: str, password: str) -> None:
        welcome: Welcome = self.controller.resume(email, password)
        deliver(self, self._resumed, welcome)

    def _resumed(self, welcome: Welcome) -> None:
        self.welcome = welcome
        self.dismiss(ReauthOutcome.RESUMED)

    def show_error(self, error: SkillHubError) -> None:
        self.query_one("#reauth-continue", Button).disabled = False
        password = self.query_one("#reauth-password", Input)
        password.value = ""
        password.focus()
        self._show_error_line(error.message)

    def _show_error_line(self, message: str) -> None:
        line = self.query_one("#reauth-error", Static)
        line.update(message)
        line.display = bool(message)

    @on(Button.Pressed, "#reauth-logout")
    def action_log_out(self) -> None:
        self.dismiss(ReauthOutcome.LOG_OUT)

    def action_stay(self) -> None:
        """Escape is not a way out of this dialog (see the class docstring)."""
