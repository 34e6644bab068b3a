"""Write a staff comment (up to 10,000 characters).

A TextArea shows text exactly as typed: `[bold]` or `{"$ne": ""}` appear verbatim.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from domain.models.workshops import COMMENT_MAX
from tui.controllers.registrations import Outcome, RegistrationsController
from tui.screens.base import deliver
from tui.screens.form_dialog import FormDialog


class CommentDialog(FormDialog[Outcome]):
    """Dismissed with the outcome once the comment is saved, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    SUBMIT_BUTTON = "comment-save"
    CANCEL_BUTTON = "comment-cancel"
    ERROR_LINE = "comment-error"

    def __init__(self, controller: RegistrationsController, workshop_title: str) -> None:
        super().__init__()
        self.controller = controller
        self.workshop_title = workshop_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="comment"):
            yield Static(f"Comment on {self.workshop_title}", classes="dialog-title", markup=False)
            yield TextArea(id="comment-body", soft_wrap=True, compact=True,
                           placeholder="Seen by trainers and admins only. Line breaks are kept.")
            yield Static(f"0 / {COMMENT_MAX:,} characters", id="comment-count", classes="hint", markup=False)
            yield self.error_line()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#comment-body", TextArea).focus()

    @on(TextArea.Changed, "#comment-body")
    def _counted(self, event: TextArea.Changed) -> None:
        length = len(event.text_area.text)
        counter = self.query_one("#comment-count", Static)
        counter.update(f"{length:,} / {COMMENT_MAX:,} characters")
        counter.set_class(length > COMMENT_MAX, "-over")

    def submit(self) -> None:
        self.sending()
        self.save(self.query_one("#comment-body", TextArea).text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="comment-save")
    def save(self, body: str) -> None:
        deliver(self, self.dismiss, self.controller.add_comment(body))
