"""Users (admins): a page of 50 at a time, search, create, role, activate/deactivate, password."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from domain.models.users import Role
from tui.controllers.bulk import UNDO_HINT, BulkController, SelectAll, rows_word
from tui.controllers.users import COLUMNS, UserRow, UsersController, UsersPage
from tui.screens.base import deliver
from tui.screens.change_role import ChangeRoleDialog
from tui.screens.confirm import ConfirmDialog
from tui.screens.create_user import CreateUserDialog
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.screens.reset_password import ResetPasswordDialog
from tui.screens.selection import SelectsPagedRows, selection_bindings, selection_status
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter


class UsersScreen(SelectsPagedRows, PagedListScreen[UserRow]):
    """The user table; every change goes through the controller, then the page reloads."""

    TITLE = "Users"
    TABLE_ID = "users-table"
    PAGE_LABEL_ID = "users-page"
    AUTO_FOCUS = "#users-table"
    PAGE_GROUP = "users-page"
    SEARCH_ID = "users-search"
    SELECTION_NOUN = "user"

    BINDINGS = [
        Binding("n", "new_user", "New", id="users-new"),
        Binding("r", "change_role", "Role", id="users-role"),
        Binding("d", "deactivate", "Deactivate", id="users-deactivate"),
        Binding("a", "activate", "Activate", id="users-activate"),
        Binding("p", "reset_password", "Password", id="users-password"),
        Binding("k", "ssh_keys", "SSH keys", id="users-ssh-keys"),
        Binding("slash", "search", "Search", id="users-search"),
        *PAGE_BINDINGS,
        # -- bulk selection and undo (issue 14): d and a act on the selection when there is one --
        *selection_bindings("users"),
    ]

    def __init__(self, controller: UsersController,
                 open_keys: Callable[[int, str], Screen[None]] | None = None,
                 bulk: BulkController | None = None) -> None:
        super().__init__()
        self.init_selection(bulk)
        self.controller = controller
        self.open_keys = open_keys

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Input(id="users-search", placeholder="/ search name or email", compact=True)
            yield Static("", id="users-page", classes="list-page", markup=False)
        yield FitTable(id="users-table", flexible=("Name", "Email"))
        yield selection_status()
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load_first_page()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_page, self.controller.page(number, self.search))

    def show_page(self, view: UsersPage) -> None:
        self.show_rows(view.rows, view.info)

    # -- selection ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One of activate and deactivate is shown, the one the selected user can take.
        row = self.selected
        if action in ("activate", "deactivate") and self.selection:
            return True
        if action == "activate" and (row is None or row.active):
            return False
        if action == "deactivate" and row is not None and not row.active:
            return False
        if action == "ssh_keys" and self.open_keys is None:
            return False
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action in ("deactivate", "activate", "change_role", "reset_password", "ssh_keys"):
            return self.refusal_for_row()
        return super().why_not(action, parameters)

    # -- changes -----------------------------------------------------------------------------

    def action_new_user(self) -> None:
        def created(row: UserRow | None) -> None:
            if row is not None:
                notify_literal(self, f"Created {row.role.value} {row.label}.", title="User created")
                self.keep_cursor_on(row.user_id)
                self.reload()

        self.app.push_screen(CreateUserDialog(self.controller), created)

    def action_change_role(self) -> None:
        row = self.selected
        if row is None:
            return

        def chosen(role: Role | None) -> None:
            change = None if role is None else self.controller.role_question(row, role)
            if role is None or change is None:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.apply_change(lambda: self.controller.change_role(row.user_id, role),
                                      f"{row.label} is now {role.value}.")

            self.app.push_screen(ConfirmDialog(change.title, change.question, change.yes_label), answered)

        self.app.push_screen(ChangeRoleDialog(row.label, row.role), chosen)

    def action_deactivate(self) -> None:
        self._confirm_active(False)

    def action_activate(self) -> None:
        self._confirm_active(True)

    def _confirm_active(self, active: bool) -> None:
        if self.selection:
            self.set_active_selected(active)
            return
        row = self.selected
        if row is None:
            return
        change = self.controller.activation_question(row, active)

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply_change(lambda: self.controller.set_active(row.user_id, active),
                                  f"{row.label} is {'active' if active else 'deactivated'}.", undoable=True)

        self.app.push_screen(ConfirmDialog(change.title, change.question, change.yes_label), answered)

    def action_reset_password(self) -> None:
        row = self.selected
        if row is None:
            return

        def done(changed: bool | None) -> None:
            if changed:
                notify_literal(self, f"New password set for {row.label}.", title="Password reset")

        self.app.push_screen(ResetPasswordDialog(self.controller, row.user_id, row.label), done)

    def action_ssh_keys(self) -> None:
        row = self.selected
        if row is not None and self.open_keys is not None:
            self.app.push_screen(self.open_keys(row.user_id, row.label))

    @work(thread=True, exclusive=True, exit_on_error=False, group="users-change")
    def apply_change(self, change: Callable[[], UserRow], outcome: str, undoable: bool = False) -> None:
        row = change()
        batch = self.bulk.latest_batch() if undoable and self.bulk is not None else None
        deliver(self, self._changed, row, outcome, batch)

    def _changed(self, row: UserRow, outcome: str, batch: str | None = None) -> None:
        notify_literal(self, f"{outcome}\n{UNDO_HINT}" if batch else outcome, title="User updated")
        self.offer_undo(batch)
        self.keep_cursor_on(row.user_id)
        self.reload()

    # -- bulk selection and undo (issue 14) ----------------------------------------------------

    def select_all_keys(self) -> SelectAll:
        assert self.bulk is not None
        return self.bulk.all_users(self.search)

    def set_active_selected(self, active: bool) -> None:
        bulk, keys = self.bulk, self.selection.keys
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "user")
        verb = "Activate" if active else "Deactivate"
        question = (f"Activate {count}? They will be able to log in again." if active
                    else f"Deactivate {count}? They will no longer be able to log in; your own account "
                         "and the last admin are left active.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_batch(lambda: bulk.set_active(keys, active), "Users")

        self.app.push_screen(ConfirmDialog(f"{verb} users", question, verb), answered)
