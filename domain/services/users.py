"""User administration: admins only, whatever screen or command calls it."""

from __future__ import annotations

import builtins

from domain import validation
from domain.clock import Clock, utc_now
from domain.errors import Conflict, NotFound, ValidationError
from domain.models.bulk import Undoable
from domain.models.paging import Page, PageRequest
from domain.models.users import Principal, Role, User
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.repositories.sql.users import UserRepository
from domain.security.passwords import PasswordHasher, check_password_rules
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.forms import collect


class UserService:
    """List, create, change role, deactivate and reset passwords of users."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, activity: ActivityService,
                 clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._activity = activity
        self._clock = clock

    def _log(self, uow: UnitOfWork, actor: Principal, action: str, user_id: int, **details: object) -> None:
        self._activity.record(uow, actor, action, "user", user_id, dict(details))

    def list(self, principal: Principal, page: PageRequest, search: str = "", role: Role | None = None) -> Page[User]:
        require_role(principal, Role.ADMIN, doing="manage users")
        search = validation.text(search, "search", "Search", 0, 100) if search else ""
        role = Role.parse(role) if role is not None else None
        with self._uow() as uow:
            return uow.users.list(page, search=search, role=role)

    def find_people(self, principal: Principal, role: Role, search: str = "", limit: int = 50) -> builtins.list[User]:
        """Active users of one role, for pickers (staff only: learners never list others)."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="look up people")
        search = validation.text(search, "search", "Search", 0, 100) if search else ""
        role = Role.parse(role)
        with self._uow() as uow:
            return uow.users.list(PageRequest(1, limit), search=search, role=role, active_only=True).items

    def get(self, principal: Principal, user_id: int) -> User:
        if principal.user_id != user_id:
            require_role(principal, Role.ADMIN, Role.TRAINER, doing="see other users")
        with self._uow() as uow:
            return self._existing(uow.users, user_id)

    def create(self, principal: Principal, email: object, full_name: object, role: object, password: object) -> User:
        require_role(principal, Role.ADMIN, doing="create users")
        values = collect({
            "email": lambda: validation.email(email),
            "full_name": lambda: validation.text(full_name, "full_name", "Name", 1, 120),
            "role": lambda: Role.parse(role),
            "password": lambda: check_password_rules(password),
        })
        assert isinstance(password, str)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            user = uow.users.add(
                str(values["email"]), str(values["full_name"]), password_hash, Role(values["role"]), self._clock()
            )
            self._log(uow, principal, "user.create", user.id, email=user.email, role=user.role.value)
            uow.commit()
        return user

    def change_role(self, principal: Principal, user_id: int, role: object) -> User:
        require_role(principal, Role.ADMIN, doing="change roles")
        new_role = Role.parse(role)
        with self._uow() as uow:
            repo = uow.users
            user = self._existing(repo, user_id)
            if user.role is new_role:
                return user
            if user.role is Role.ADMIN and user.is_active and repo.count_active_admins() <= 1:
                raise Conflict("SkillHub needs at least one active admin: promote someone else first.")
            updated = repo.update(user_id, self._clock(), role=new_role.value)
            assert updated is not None
            self._log(uow, principal, "user.role", user_id, before=user.role.value, after=new_role.value)
            uow.commit()
        return updated

    def set_active(self, principal: Principal, user_id: int, active: bool) -> User:
        require_role(principal, Role.ADMIN, doing="activate or deactivate users")
        if not isinstance(active, bool):
            raise ValidationError("active must be true or false", field="active")
        if user_id == principal.user_id and not active:
            raise Conflict("You cannot deactivate your own account.")
        with self._uow() as uow:
            repo = uow.users
            user = self._existing(repo, user_id)
            if user.is_active == active:
                return user
            if not active and user.role is Role.ADMIN and repo.count_active_admins() <= 1:
                raise Conflict("SkillHub needs at least one active admin.")
            updated = repo.update(user_id, self._clock(), is_active=active)
            assert updated is not None
            action = "user.activate" if active else "user.deactivate"
            self._activity.record(uow, principal, action, "user", user_id, {},
                                  undo=Undoable(action, user_id, {"is_active": user.is_active}, {"is_active": active}))
            uow.commit()
        return updated

    def reset_password(self, principal: Principal, user_id: int, password: object) -> None:
        require_role(principal, Role.ADMIN, doing="reset passwords")
        check_password_rules(password)
        assert isinstance(password, str)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            repo = uow.users
            self._existing(repo, user_id)
            repo.update(user_id, self._clock(), password_hash=password_hash)
            repo.clear_failures(user_id)
            self._log(uow, principal, "user.password_reset", user_id)
            uow.commit()

    @staticmethod
    def _existing(repo: UserRepository, user_id: int) -> User:
        user = repo.get(validation.parse_id(user_id, "user_id", "User id", typed=True))
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        return user
