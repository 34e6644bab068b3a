"""Ask why, before a cancellation (the confirmation comes next, with the reason in it)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from domain.models.workshops import REASON_MAX
from tui.screens.base import ShowsOwnKeys
from tui.screens.form_dialog import AsksBeforeDiscarding
from tui.widgets.form_field import FormField


class ReasonDialog(AsksBeforeDiscarding, ShowsOwnKeys, ModalScreen[str | None]):
    """Dismissed with the reason typed (possibly "" when optional), or None when abandoned."""

    BINDINGS = [
        Binding("escape", "abandon", "Back"),
    ]

    def __init__(self, title: str, explanation: str, required: bool, go_label: str = "Continue") -> None:
        super().__init__()
        self.dialog_title = title
        self.explanation = explanation
        self.required = required
        self.go_label = go_label

    def compose(self) -> ComposeResult:
        placeholder = "why (required)" if self.required else "why (optional)"
        with Vertical(classes="dialog", id="reason"):
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            yield Static(self.explanation, id="reason-explanation", markup=False)
            yield FormField("Reason", "reason",
                            Input(id="reason-input", placeholder=placeholder, max_length=REASON_MAX, compact=True))
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.go_label} (enter)", id="reason-go", variant="primary", compact=True)
                yield Button("Back (esc)", id="reason-back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    @on(Input.Submitted, "#reason-input")
    @on(Button.Pressed, "#reason-go")
    def _go(self) -> None:
        reason = self.query_one("#reason-input", Input).value.strip()
        if self.required and not reason:
            self.query_one("#field-reason", FormField).set_error("A reason is required")
            self.query_one("#reason-input", Input).focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#reason-back")
    def action_abandon(self) -> None:
        # A reason typed is work too: it is not dropped without a yes.
        self.leave()
