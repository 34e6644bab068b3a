"""Users, roles and the principal a session token stands for."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    """What a person may do; ordered from most to least power."""

    ADMIN = "admin"
    TRAINER = "trainer"
    LEARNER = "learner"

    @classmethod
    def parse(cls, raw: object) -> Role:
        from domain.errors import ValidationError

        if isinstance(raw, Role):
            return raw
        if not isinstance(raw, str) or raw.strip().lower() not in {r.value for r in cls}:
            raise ValidationError("role must be one of admin, trainer, learner", field="role")
        return cls(raw.strip().lower())


@dataclass(frozen=True)
class User:
    """A person who can log in (PostgreSQL `users`)."""

    id: int
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who is calling: decoded from the session token, passed to every service method."""

    user_id: int
    email: str
    full_name: str
    role: Role
    token_id: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Admins and trainers: the people who run workshops and challenges."""
        return self.role in (Role.ADMIN, Role.TRAINER)


# The actor recorded for changes made from the command line by whoever owns the
# server's data directory (user creation, seeding, repairs). Never issued as a token.
SYSTEM = Principal(user_id=0, email="system@skillhub.local", full_name="SkillHub CLI", role=Role.ADMIN, token_id="")
