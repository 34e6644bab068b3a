"""Login: email and password, one generic message when it fails."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Header, Input, Static
from textual.worker import Worker, WorkerState

from domain.errors import SkillHubError
from tui.controllers.login import LoginController, Welcome
from tui.screens.base import ENTER_IN_FORM, ShellScreen, SubmitsOnEnter, deliver
from tui.widgets.form_field import FormField
from tui.widgets.shell_footer import ShellFooter


class LoginScreen(SubmitsOnEnter, ShellScreen):
    """The first screen, and where an expired or revoked session comes back to."""

    TITLE = "Log in"
    AUTO_FOCUS = "#email"
    BINDINGS = [ENTER_IN_FORM]
    SUBMIT_FIELD = "password"

    class SignedIn(Message):
        """The session has started; the shell opens Home."""

        def __init__(self, welcome: Welcome) -> None:
            super().__init__()
            self.welcome = welcome

    def __init__(self, controller: LoginController, notice: str = "") -> None:
        super().__init__()
        self.controller = controller
        self.notice = notice

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static("SkillHub", id="login-title", markup=False)
            yield Static("Log in with your email and password.", classes="login-hint", markup=False)
            yield Static(self.notice, id="login-notice", markup=False)
            yield FormField("Email", "email", Input(id="email", placeholder="name@example.org", max_length=254))
            yield FormField("Password", "password", Input(id="password", password=True, max_length=1024))
            yield Static("", id="login-error", markup=False)
            yield Button("Log in", id="login-submit", variant="primary", compact=True)
            yield Static("enter: log in · tab: next field · f1: help · ctrl+q: quit", classes="login-hint",
                         markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.query_one("#login-notice").display = bool(self.notice)
        self.query_one("#login-error").display = False

    @on(Button.Pressed, "#login-submit")
    def submit(self) -> None:
        """Send the form (enter in the password field, or the button)."""
        if self.query_one("#login-submit", Button).disabled:
            return
        email = self.query_one("#email", Input).value
        password = self.query_one("#password", Input).value
        self._show_login_error("")
        self._set_busy(True)
        self.sign_in(email, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def sign_in(self, email: str, password: str) -> None:
        welcome = self.controller.sign_in(email, password)
        deliver(self, self.post_message, self.SignedIn(welcome))

    @on(Worker.StateChanged)
    def _ready_again(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._set_busy(False)

    def show_error(self, error: SkillHubError) -> None:
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self._show_login_error(error.message)

    def show_problem(self, message: str) -> None:
        """Say what stands in the way of logging in (the services could not start), leaving what is typed."""
        self._show_login_error(message)

    def _show_login_error(self, message: str) -> None:
        error = self.query_one("#login-error", Static)
        error.update(message)
        error.display = bool(message)

    def _set_busy(self, busy: bool) -> None:
        button = self.query_one("#login-submit", Button)
        button.disabled = busy
        button.label = "Logging in…" if busy else "Log in"
