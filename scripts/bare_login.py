"""The floor of SkillHub's start-up: a bare Textual app showing the same login widgets.

No SkillHub import, no database: Header, the login card (title, hint, notice, two labelled
inputs, error line, button, hint) and a Footer, styled like SkillHub's login screen.
`scripts/bench_startup.py` launches it next to `skillhub`, interleaved.

    .venv/bin/python scripts/bare_login.py
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, Label, Static

CSS = """
Screen { background: $background; align: center middle; }
#login-box { width: 60; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
#login-title { text-style: bold; color: $text-primary; }
.login-hint { color: $text-muted; }
.row { height: auto; margin-bottom: 1; }
.row Label { width: 14; color: $text-muted; }
.row Input { width: 1fr; }
#login-error { color: $text-error; }
"""


class BareLogin(App[None]):
    """Login widgets only."""

    TITLE = "SkillHub"
    SUB_TITLE = "Log in"
    CSS = CSS
    BINDINGS = [
        Binding("f1", "noop", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static("SkillHub", id="login-title")
            yield Static("Log in with your email and password.", classes="login-hint")
            yield Static("", id="login-notice", markup=False)
            with Horizontal(classes="row"):
                yield Label("Email")
                yield Input(id="email", placeholder="name@example.org", max_length=254)
            with Horizontal(classes="row"):
                yield Label("Password")
                yield Input(id="password", password=True, max_length=1024)
            yield Static("", id="login-error", markup=False)
            yield Button("Log in", id="login-submit", variant="primary", compact=True)
            yield Static("enter: log in · tab: next field · f1: help · ctrl+q: quit", classes="login-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#login-notice").display = False
        self.query_one("#login-error").display = False
        self.query_one("#email", Input).focus()

    def action_noop(self) -> None:
        pass


if __name__ == "__main__":
    BareLogin().run()
