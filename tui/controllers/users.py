"""User administration as the Users screen sees it: pages of rows and form submissions."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Conflict, FormErrors, ValidationError
from domain.models.users import Role, User
from domain.services.user_rules import PrivilegeChange, activation_change, role_change
from domain.services.users import UserService
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.session import PrincipalSource

PAGE_SIZE = 50
COLUMNS = ("Name", "Email", "Role", "Active", "Created")


@dataclass(frozen=True)
class UserRow:
    """One user in the table, with the raw values the screen's actions need."""

    user_id: int
    name: str
    email: str
    role: Role
    active: bool
    created: str

    @property
    def key(self) -> int:
        return self.user_id

    @property
    def label(self) -> str:
        """How dialogs and messages name this user."""
        return f"{self.name} <{self.email}>"

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.name, self.email, self.role.value, "yes" if self.active else "no", self.created)

    @classmethod
    def of(cls, user: User) -> UserRow:
        return cls(user.id, user.full_name, user.email, user.role, user.is_active, user.created_at.strftime("%Y-%m-%d"))


@dataclass(frozen=True)
class UsersPage:
    """A page of users and where it sits in the whole list."""

    rows: tuple[UserRow, ...]
    info: PageInfo
    search: str


class UsersController:
    """Forwards the Users screen's actions to the user service with the current principal."""

    def __init__(self, users: UserService, principal: PrincipalSource, page_size: int = PAGE_SIZE) -> None:
        self._users = users
        self._principal = principal
        self._page_size = page_size

    def page(self, number: int, search: str = "") -> UsersPage:
        search = search.strip()
        who = self._principal()
        result = fetch_page(lambda request: self._users.list(who, request, search=search), number, self._page_size)
        return UsersPage(tuple(UserRow.of(u) for u in result.items), PageInfo.of(result, "user"), search)

    def create(self, email: str, full_name: str, role: str, password: str) -> UserRow:
        try:
            user = self._users.create(self._principal(), email, full_name, role, password)
        except Conflict as exc:
            # The only conflict creating a user can meet is a taken email: show it on that field.
            raise FormErrors({"email": exc.message}) from None
        return UserRow.of(user)

    @staticmethod
    def role_question(row: UserRow, role: Role) -> PrivilegeChange | None:
        """What to ask before giving `row`'s user the role `role` (None: nothing changes)."""
        return role_change(row.label, row.role, role)

    @staticmethod
    def activation_question(row: UserRow, active: bool) -> PrivilegeChange:
        """What to ask before activating or deactivating `row`'s user."""
        return activation_change(row.label, active)

    def change_role(self, user_id: int, role: Role) -> UserRow:
        return UserRow.of(self._users.change_role(self._principal(), user_id, role))

    def set_active(self, user_id: int, active: bool) -> UserRow:
        return UserRow.of(self._users.set_active(self._principal(), user_id, active))

    def reset_password(self, user_id: int, password: str, repeat: str) -> None:
        if password != repeat:
            raise FormErrors({"repeat": "The two passwords differ."})
        try:
            self._users.reset_password(self._principal(), user_id, password)
        except ValidationError as exc:
            raise FormErrors({exc.field or "password": exc.message}) from None
