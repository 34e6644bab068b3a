"""Read one staff comment whole, in a read-only text area that scrolls.

A TextArea shows text exactly as typed: `[bold]` or `{"$ne": ""}` appear verbatim.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tui.controllers.registrations import CommentRow
from tui.screens.base import ShowsOwnKeys


class CommentReader(ShowsOwnKeys, ModalScreen[None]):
    """One comment, whole, in a read-only text area that scrolls."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("backspace", "close", "Close", show=False),
    ]

    def __init__(self, comment: CommentRow) -> None:
        super().__init__()
        self.comment = comment

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="comment-reader"):
            yield Static(f"{self.comment.author} · {self.comment.at} UTC", classes="dialog-title", markup=False)
            yield TextArea(self.comment.body, id="comment-text", read_only=True, soft_wrap=True, compact=True)
            yield Static("arrows scroll · escape closes", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#comment-text", TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
