"""Queries on the `users` table."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import Conflict
from domain.models.paging import Page, PageRequest
from domain.models.users import Role, User
from domain.repositories.sql.schema import users
from domain.repositories.sql.scores import ScoreTables
from domain.repositories.sql.search import contains, search_keys


@dataclass(frozen=True)
class Credentials:
    """What login needs about one account (never leaves the auth service)."""

    user: User
    password_hash: str
    recent_failures: list[datetime]
    locked_until: datetime | None


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        role=Role(row.role),
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_USER_COLUMNS = (
    users.c.id, users.c.email, users.c.full_name, users.c.role,
    users.c.is_active, users.c.created_at, users.c.updated_at,
)


def person_columns(person: Any, prefix: str) -> list[Any]:
    """The user columns of `person` (an alias of `users`) labelled `prefix` + their name, for a
    query that reads a user along with something else; `person_from` reads them back."""
    return [person.c[column.name].label(prefix + column.name) for column in _USER_COLUMNS]


def person_from(row: Any, prefix: str) -> User | None:
    """The user a `person_columns` query read (None when its outer join found nobody)."""
    values = row._mapping
    if values[prefix + "id"] is None:
        return None
    return _user(SimpleNamespace(**{column.name: values[prefix + column.name] for column in _USER_COLUMNS}))


def _listed(search: str, role: Role | None, active_only: bool) -> list[ColumnElement[bool]]:
    """The conditions of the users list: search in email and name, one role, active ones only."""
    conditions: list[ColumnElement[bool]] = []
    if search:
        conditions.append(or_(contains(users.c.email_search, search), contains(users.c.full_name_search, search)))
    if role is not None:
        conditions.append(users.c.role == role.value)
    if active_only:
        conditions.append(users.c.is_active.is_(True))
    return conditions


class UserRepository:
    """Read and write users inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, email: str, full_name: str, password_hash: str, role: Role, now: datetime) -> User:
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    insert(users)
                    .values(email=email, full_name=full_name, password_hash=password_hash, role=role.value,
                            created_at=now, updated_at=now, **search_keys(email=email, full_name=full_name))
                    .returning(*_USER_COLUMNS)
                ).one()
        except IntegrityError:
            raise Conflict(f"a user with the email {email} already exists") from None
        ScoreTables(self.conn).add_user(row.id, role is Role.LEARNER and row.is_active, now)
        return _user(row)

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).one_or_none()
        return _user(row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(
            select(*_USER_COLUMNS).where(func.lower(users.c.email) == email.strip().lower())
        ).one_or_none()
        return _user(row) if row else None

    def get_many(self, user_ids: list[int]) -> dict[int, User]:
        if not user_ids:
            return {}
        rows = self.conn.execute(select(*_USER_COLUMNS).where(users.c.id.in_(set(user_ids)))).all()
        return {row.id: _user(row) for row in rows}

    def credentials(self, email: str, for_update: bool = False) -> Credentials | None:
        stmt = select(
            *_USER_COLUMNS, users.c.password_hash, users.c.recent_failures, users.c.locked_until
        ).where(func.lower(users.c.email) == email.lower())
        if for_update:
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).one_or_none()
        if row is None:
            return None
        return Credentials(_user(row), row.password_hash, list(row.recent_failures or []), row.locked_until)

    def record_failure(self, user_id: int, recent_failures: list[datetime], locked_until: datetime | None) -> None:
        self.conn.execute(
            update(users).where(users.c.id == user_id).values(recent_failures=recent_failures, locked_until=locked_until)
        )

    def clear_failures(self, user_id: int) -> None:
        self.conn.execute(
            update(users).where(users.c.id == user_id).values(recent_failures=[], locked_until=None)
        )

    def list(self, page: PageRequest, search: str = "", role: Role | None = None,
             active_only: bool = False) -> Page[User]:
        conditions = _listed(search, role, active_only)
        total = self.conn.execute(select(func.count()).select_from(users).where(*conditions)).scalar_one()
        rows = self.conn.execute(
            select(*_USER_COLUMNS).where(*conditions).order_by(users.c.full_name, users.c.id)
            .limit(page.size).offset(page.offset)
        ).all()
        return Page([_user(r) for r in rows], total, page)

    def ids_matching(self, term: str, limit: int) -> builtins.list[int]:
        """The ids of at most `limit` users whose name or email contains `term` (trigram-indexed, case-folded)."""
        condition = or_(contains(users.c.email_search, term), contains(users.c.full_name_search, term))
        return list(self.conn.execute(select(users.c.id).where(condition).order_by(users.c.id).limit(limit)).scalars())

    def ids(self, search: str, role: Role | None, limit: int) -> tuple[builtins.list[int], int]:
        """The ids of every user the list shows for this search and role (at most `limit`), and how many."""
        conditions = _listed(search, role, False)
        total = self.conn.execute(select(func.count()).select_from(users).where(*conditions)).scalar_one()
        found = self.conn.execute(
            select(users.c.id).where(*conditions).order_by(users.c.full_name, users.c.id).limit(limit)
        ).scalars()
        return list(found), total

    def update(self, user_id: int, now: datetime, **values: Any) -> User | None:
        keys = search_keys(**{k: v for k, v in values.items() if k in ("email", "full_name")})
        row = self.conn.execute(
            update(users).where(users.c.id == user_id).values(updated_at=now, **values, **keys)
            .returning(*_USER_COLUMNS)
        ).one_or_none()
        if row is not None and ("role" in values or "is_active" in values):
            ScoreTables(self.conn).sync_ranked(user_id)
        return _user(row) if row else None

    def count_active_admins(self) -> int:
        """Count active admins, locking their rows until the transaction ends.

        The lock makes "is this the last admin?" safe under concurrency: a second session
        waits, then re-reads the rows, instead of counting an admin being removed."""
        rows = self.conn.execute(
            select(users.c.id).where(users.c.role == Role.ADMIN.value, users.c.is_active.is_(True)).with_for_update()
        ).all()
        return len(rows)

    def count(self) -> int:
        return self.conn.execute(select(func.count()).select_from(users)).scalar_one()
