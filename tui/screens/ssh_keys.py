"""SSH keys: the public keys that log an account in to `skillhub ssh serve` without a password."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from tui.controllers.ssh_keys import COLUMNS, NO_KEY_TO_REMOVE, SshKeyRow, SshKeysController, SshKeysView
from tui.refusals import GreysRefusedActions
from tui.screens.add_ssh_key import AddSshKeyDialog
from tui.screens.base import ShellScreen, deliver
from tui.screens.confirm import ConfirmDialog
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table, row_at_cursor


class SshKeysScreen(GreysRefusedActions, ShellScreen):
    """One account's keys (at most 20, so no paging): add with `a`, remove the selected one with `x`."""

    TITLE = "SSH keys"
    AUTO_FOCUS = "#ssh-keys-table"
    BINDINGS = [
        Binding("a", "add_key", "Add key", id="ssh-keys-add"),
        Binding("x", "remove_key", "Remove", id="ssh-keys-remove"),
        Binding("delete", "remove_key", "Remove", show=False, id="ssh-keys-remove-delete"),
    ]

    def __init__(self, controller: SshKeysController) -> None:
        super().__init__()
        self.controller = controller
        self.owner = ""
        self.rows: tuple[SshKeyRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="ssh-keys-owner", classes="list-toolbar", markup=False)
        yield FitTable(id="ssh-keys-table", flexible=("Comment", "Fingerprint"))
        yield Static("", id="ssh-keys-hint", markup=False)
        yield ShellFooter()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#ssh-keys-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ssh-keys")
    def load(self, select_key: int | None = None) -> None:
        deliver(self, self.show_view, self.controller.view(), select_key)

    def show_view(self, view: SshKeysView, select_key: int | None = None) -> None:
        self.owner = view.owner
        self.rows = view.rows
        count = f"{len(view.rows)} key" + ("" if len(view.rows) == 1 else "s")
        self.query_one("#ssh-keys-owner", Static).update(f"{view.owner} · {count}")
        fill_table(self.table, (([Text(cell) for cell in row.cells], str(row.key)) for row in view.rows),
                   select=None if select_key is None else str(select_key))
        hint = ("Any of these keys logs in over SSH with no password asked." if view.rows
                else "No key yet: press a and paste the line of a .pub file.")
        self.query_one("#ssh-keys-hint", Static).update(hint)
        self.refresh_bindings()

    @property
    def selected(self) -> SshKeyRow | None:
        return row_at_cursor(self.table, self.rows)

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self.refresh_bindings()

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "remove_key" and self.selected is None:
            return NO_KEY_TO_REMOVE
        return None

    def action_add_key(self) -> None:
        def added(row: SshKeyRow | None) -> None:
            if row is not None:
                notify_literal(self, f"Added {row.algorithm} key {row.fingerprint}.", title="SSH key added")
                self.load(row.key)

        self.app.push_screen(AddSshKeyDialog(self.controller, self.owner), added)

    def action_remove_key(self) -> None:
        row = self.selected
        if row is None:
            return
        comment = f" ({row.comment})" if row.comment else ""
        question = f"Remove the {row.algorithm} key {row.fingerprint}{comment}? It will no longer log {self.owner} in."

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_key(row)

        self.app.push_screen(ConfirmDialog("Remove SSH key", question, "Remove"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ssh-keys-change")
    def remove_key(self, row: SshKeyRow) -> None:
        removed = self.controller.remove(row.fingerprint)
        deliver(self, self._removed, removed)

    def _removed(self, row: SshKeyRow) -> None:
        notify_literal(self, f"Removed key {row.fingerprint}.", title="SSH key removed")
        self.load()
