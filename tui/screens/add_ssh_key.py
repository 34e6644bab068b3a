"""The form to register an SSH public key: paste the one line of a .pub file."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from domain.security.ssh_keys import ACCEPTED_LABEL, MAX_KEY_TEXT
from tui.controllers.ssh_keys import SshKeyRow, SshKeysController
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.widgets.form_field import FormField


class AddSshKeyDialog(SubmitsOnEnter, FormDialog[SshKeyRow]):
    """Dismissed with the new key's row, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Add"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "ssh-key-text"
    SUBMIT_BUTTON = "ssh-key-save"
    CANCEL_BUTTON = "ssh-key-cancel"
    ERROR_LINE = "ssh-key-error"

    def __init__(self, controller: SshKeysController, owner: str) -> None:
        super().__init__()
        self.controller = controller
        self.owner = owner

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-ssh-key"):
            yield Static(f"New SSH key for {self.owner}", classes="dialog-title", markup=False)
            yield Static(f"Paste the line of your .pub file (e.g. ~/.ssh/id_ed25519.pub): {ACCEPTED_LABEL}.",
                         markup=False)
            yield FormField("Public key", "public_key",
                            Input(id="ssh-key-text", placeholder="ssh-ed25519 AAAA… you@laptop",
                                  max_length=MAX_KEY_TEXT, compact=True))
            yield self.error_line()
            yield from self.buttons("Add")

    def on_mount(self) -> None:
        self.query_one("#ssh-key-text", Input).focus()

    def submit(self) -> None:
        self.sending()
        self.add(self.query_one("#ssh-key-text", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="add-ssh-key")
    def add(self, text: str) -> None:
        deliver(self, self.dismiss, self.controller.add(text))
