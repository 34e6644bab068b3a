"""Queries on the `challenges` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from domain.errors import Conflict
from domain.models.paging import Page, PageRequest
from domain.models.progress import Category, Challenge, ChallengeDraft, Difficulty
from domain.repositories.sql.schema import challenges
from domain.repositories.sql.scores import ScoreTables
from domain.repositories.sql.search import contains, search_keys

TITLE_TAKEN = "A challenge with this title already exists."


def _challenge(row: Any) -> Challenge:
    return Challenge(
        id=row.id,
        title=row.title,
        description=row.description,
        category=Category(row.category),
        points=row.points,
        difficulty=Difficulty(row.difficulty),
        co2_kg=row.co2_kg,
        co2_source=row.co2_source,
        is_active=row.is_active,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(draft: ChallengeDraft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "description": draft.description,
        "category": draft.category.value,
        "points": draft.points,
        "difficulty": draft.difficulty.value,
        "co2_kg": draft.co2_kg,
        "co2_source": draft.co2_source,
        "is_active": draft.is_active,
        **search_keys(title=draft.title, description=draft.description),
    }


class ChallengeRepository:
    """Read and write challenges inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, draft: ChallengeDraft, created_by: int | None, now: datetime) -> Challenge:
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    insert(challenges)
                    .values(**_values(draft), created_by=created_by, created_at=now, updated_at=now)
                    .returning(*challenges.c)
                ).one()
        except IntegrityError:
            raise Conflict(TITLE_TAKEN) from None
        return _challenge(row)

    def update(self, challenge_id: int, draft: ChallengeDraft, now: datetime) -> Challenge | None:
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    update(challenges).where(challenges.c.id == challenge_id)
                    .values(**_values(draft), updated_at=now).returning(*challenges.c)
                ).one_or_none()
        except IntegrityError:
            raise Conflict(TITLE_TAKEN) from None
        if row is None:
            return None
        ScoreTables(self.conn).challenge_changed(challenge_id, row.category)
        return _challenge(row)

    def set_active(self, challenge_id: int, active: bool, now: datetime) -> Challenge | None:
        row = self.conn.execute(
            update(challenges).where(challenges.c.id == challenge_id)
            .values(is_active=active, updated_at=now).returning(*challenges.c)
        ).one_or_none()
        return _challenge(row) if row else None

    def get(self, challenge_id: int, lock: bool = False) -> Challenge | None:
        """One challenge; `lock` holds a share lock so it cannot be deactivated mid-transaction."""
        stmt = select(*challenges.c).where(challenges.c.id == challenge_id)
        if lock:
            stmt = stmt.with_for_update(read=True)
        row = self.conn.execute(stmt).one_or_none()
        return _challenge(row) if row else None

    def get_many(self, challenge_ids: set[int]) -> dict[int, Challenge]:
        if not challenge_ids:
            return {}
        rows = self.conn.execute(select(*challenges.c).where(challenges.c.id.in_(challenge_ids))).all()
        return {row.id: _challenge(row) for row in rows}

    def list(self, page: PageRequest, category: Category | None = None, active: bool | None = None,
             search: str = "") -> Page[Challenge]:
        conditions = []
        if category is not None:
            conditions.append(challenges.c.category == category.value)
        if active is not None:
            conditions.append(challenges.c.is_active.is_(active))
        if search:
            conditions.append(or_(contains(challenges.c.title_search, search),
                                  contains(challenges.c.description_search, search)))
        total = self.conn.execute(select(func.count()).select_from(challenges).where(*conditions)).scalar_one()
        rows = self.conn.execute(
            select(*challenges.c).where(*conditions).order_by(challenges.c.title, challenges.c.id)
            .limit(page.size).offset(page.offset)
        ).all()
        return Page([_challenge(r) for r in rows], total, page)

    def count(self) -> int:
        return self.conn.execute(select(func.count()).select_from(challenges)).scalar_one()
