"""Export the attendance sheet as CSV to a path the user confirms (and overwrite only when asked)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from domain.errors import ExportTargetExists, SkillHubError
from tui.controllers.registrations import ExportDone, RegistrationsController
from tui.screens.base import ShellDialog, deliver
from tui.screens.confirm import ConfirmDialog
from tui.widgets.form_field import FormField


class ExportDialog(ShellDialog[ExportDone | None]):
    """Dismissed with where the sheet went, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, controller: RegistrationsController) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export"):
            yield Static("Export the attendance sheet (CSV)", classes="dialog-title", markup=False)
            yield Static("One line per confirmed learner: name, email, mark, when and by whom.", classes="hint",
                         markup=False)
            yield FormField("File", "path", Input(self.controller.default_export_path, id="export-path", compact=True))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (enter)", id="export-go", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        self._field.set_error(None)
        self.export(self.query_one("#export-path", Input).value, False)

    @property
    def _field(self) -> FormField:
        return self.query_one("#field-path", FormField)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, path: str, overwrite: bool) -> None:
        deliver(self, self.dismiss, self.controller.export(path, overwrite))

    def show_error(self, error: SkillHubError) -> None:
        if isinstance(error, ExportTargetExists):
            target = str(error.path)

            def answered(yes: bool | None) -> None:
                if yes:
                    self.export(target, True)
                else:
                    self.query_one("#export-path", Input).focus()

            self.app.push_screen(ConfirmDialog("File exists", f"{target} already exists. Replace it?", "Replace"),
                                 answered)
            return
        self._field.set_error(error.message)
        self.query_one("#export-path", Input).focus()

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
