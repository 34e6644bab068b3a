"""Pick a new role for one user."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from domain.models.users import Role
from tui.controllers.home import ROLE_SUMMARIES
from tui.screens.base import ShowsOwnKeys


class ChangeRoleDialog(ShowsOwnKeys, ModalScreen[Role | None]):
    """Dismissed with the chosen role, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("backspace", "cancel", "Cancel", show=False),
    ]

    def __init__(self, user_label: str, current: Role) -> None:
        super().__init__()
        self.user_label = user_label
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="change-role"):
            yield Static(f"Role of {self.user_label}", classes="dialog-title", markup=False)
            yield OptionList(
                *[Option(f"{role.value:<8} {ROLE_SUMMARIES[role]}", id=role.value) for role in Role],
                id="role-choices",
                markup=False,
            )
            yield Static("enter: choose · escape: cancel", classes="hint", markup=False)

    def on_mount(self) -> None:
        choices = self.query_one("#role-choices", OptionList)
        choices.highlighted = list(Role).index(self.current)
        choices.focus()

    @on(OptionList.OptionSelected, "#role-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(Role(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
