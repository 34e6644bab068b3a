"""Before a restore: say what it replaces, and have the archive's name typed to go on."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.controllers.backups import WRONG_NAME, ArchiveRow, confirms, count
from tui.screens.base import ENTER_IN_FORM, ShellDialog, SubmitsOnEnter


class RestoreConfirmDialog(SubmitsOnEnter, ShellDialog[str | None]):
    """Dismissed with the typed name once it matches the archive's, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "restore-confirm-name"

    def __init__(self, archive: ArchiveRow) -> None:
        super().__init__()
        self.archive = archive

    def compose(self) -> ComposeResult:
        archive = self.archive
        contents = ""
        if archive.total_rows is not None and archive.total_documents is not None:
            contents = f" ({count(archive.total_rows, 'row')}, {count(archive.total_documents, 'document')})"
        with Vertical(classes="dialog", id="restore-confirm"):
            yield Static(f"Restore {archive.name}", classes="dialog-title", markup=False)
            yield Static(
                f"This REPLACES all data in PostgreSQL and MongoDB with the archive's, taken {archive.taken} "
                f"UTC{contents}. Every change made since then is lost, and whoever is not in the archive "
                "is logged out.",
                id="restore-confirm-warning", markup=False,
            )
            yield Static("Type the archive's name to confirm:", classes="restore-confirm-prompt", markup=False)
            yield Input(id="restore-confirm-name", placeholder=archive.name, compact=True)
            yield Static("", id="restore-confirm-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Restore (enter)", id="restore-confirm-go", variant="error", compact=True)
                yield Button("Cancel (esc)", id="restore-confirm-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#restore-confirm-name", Input).focus()

    @on(Button.Pressed, "#restore-confirm-go")
    def submit(self) -> None:
        field = self.query_one("#restore-confirm-name", Input)
        if confirms(self.archive.name, field.value):
            self.dismiss(field.value)
            return
        self.query_one("#restore-confirm-error", Static).update(WRONG_NAME)
        field.add_class("-invalid")
        field.focus()

    @on(Input.Changed, "#restore-confirm-name")
    def _clear_error(self) -> None:
        self.query_one("#restore-confirm-error", Static).update("")
        self.query_one("#restore-confirm-name", Input).remove_class("-invalid")

    @on(Button.Pressed, "#restore-confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
