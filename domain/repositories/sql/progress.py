"""Queries on `user_challenges`: each learner's current state, and the totals scores need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.models.progress import Category, ChallengeProgress, ProgressStatus
from domain.models.users import Role
from domain.repositories.sql.schema import challenges, user_challenges, users

uc = user_challenges


@dataclass(frozen=True)
class CompletedTotals:
    """A learner's completed challenges, summed (one row of the GROUP BY)."""

    user_id: int
    points: int
    completed: int
    last_completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class RankedLearner:
    """An active learner with their completed totals, for the leaderboard (one per learner: kept flat)."""

    user_id: int
    full_name: str
    points: int
    completed: int
    last_completed_at: datetime | None


@dataclass(frozen=True)
class CategoryCounts:
    """Completed challenges per category and challenge points, for badge rules."""

    completed_by_category: dict[Category, int]
    points: int


_PROGRESS_COLUMNS = (
    uc.c.user_id, uc.c.challenge_id, challenges.c.title, challenges.c.category,
    challenges.c.points.label("challenge_points"), uc.c.status, uc.c.percent, uc.c.started_at,
    uc.c.completed_at, uc.c.points_awarded, uc.c.updated_at,
)


def _progress(row: Any) -> ChallengeProgress:
    return ChallengeProgress(
        user_id=row.user_id,
        challenge_id=row.challenge_id,
        title=row.title,
        category=Category(row.category),
        challenge_points=row.challenge_points,
        status=ProgressStatus(row.status),
        percent=row.percent,
        started_at=row.started_at,
        completed_at=row.completed_at,
        points_awarded=row.points_awarded,
        updated_at=row.updated_at,
    )


def _completed_totals(category: Category | None, since: datetime | None,
                      user_ids: Iterable[int] | None) -> Select[Any]:
    stmt = select(
        uc.c.user_id,
        func.sum(uc.c.points_awarded).label("points"),
        func.count().label("completed"),
        func.max(uc.c.completed_at).label("last_at"),
    ).where(uc.c.status == ProgressStatus.COMPLETED.value)
    if category is not None:
        stmt = stmt.join(challenges, challenges.c.id == uc.c.challenge_id).where(challenges.c.category == category.value)
    if since is not None:
        stmt = stmt.where(uc.c.completed_at >= since)
    if user_ids is not None:
        stmt = stmt.where(uc.c.user_id.in_(list(user_ids)))
    return stmt.group_by(uc.c.user_id)


class ProgressRepository:
    """Read and write `user_challenges` inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: int, challenge_id: int, for_update: bool = False) -> ChallengeProgress | None:
        stmt = (
            select(*_PROGRESS_COLUMNS).join(challenges, challenges.c.id == uc.c.challenge_id)
            .where(uc.c.user_id == user_id, uc.c.challenge_id == challenge_id)
        )
        if for_update:
            stmt = stmt.with_for_update(of=uc)
        row = self.conn.execute(stmt).one_or_none()
        return _progress(row) if row else None

    def insert_started(self, user_id: int, challenge_id: int, percent: int, now: datetime) -> bool:
        """Create the row as started; False when a concurrent call created it first."""
        inserted = self.conn.execute(
            pg_insert(uc).values(
                user_id=user_id, challenge_id=challenge_id, status=ProgressStatus.STARTED.value, percent=percent,
                started_at=now, completed_at=None, points_awarded=0, updated_at=now,
            ).on_conflict_do_nothing().returning(uc.c.user_id)
        ).first()
        return inserted is not None

    def save(self, user_id: int, challenge_id: int, status: ProgressStatus, percent: int, started_at: datetime,
             completed_at: datetime | None, points_awarded: int, now: datetime) -> None:
        self.conn.execute(
            update(uc).where(uc.c.user_id == user_id, uc.c.challenge_id == challenge_id).values(
                status=status.value, percent=percent, started_at=started_at, completed_at=completed_at,
                points_awarded=points_awarded, updated_at=now,
            )
        )

    def for_user(self, user_id: int) -> list[ChallengeProgress]:
        rows = self.conn.execute(
            select(*_PROGRESS_COLUMNS).join(challenges, challenges.c.id == uc.c.challenge_id)
            .where(uc.c.user_id == user_id).order_by(uc.c.updated_at.desc(), uc.c.challenge_id)
        ).all()
        return [_progress(r) for r in rows]

    def completed_totals(self, user_ids: Iterable[int], category: Category | None = None,
                         since: datetime | None = None) -> dict[int, CompletedTotals]:
        """Completed totals of the given learners, one GROUP BY."""
        rows = self.conn.execute(_completed_totals(category, since, user_ids)).all()
        return {r.user_id: CompletedTotals(r.user_id, int(r.points), r.completed, r.last_at) for r in rows}

    def ranking(self, category: Category | None = None, since: datetime | None = None) -> list[RankedLearner]:
        """Every active learner with their completed totals (zero when none): one statement."""
        agg = _completed_totals(category, since, None).subquery()
        rows = self.conn.execute(
            select(
                users.c.id, users.c.full_name,
                func.coalesce(agg.c.points, 0).label("points"),
                func.coalesce(agg.c.completed, 0).label("completed"),
                agg.c.last_at,
            )
            .select_from(users.outerjoin(agg, agg.c.user_id == users.c.id))
            .where(users.c.role == Role.LEARNER.value, users.c.is_active.is_(True))
        )
        return [RankedLearner(user_id, name, int(points), completed, last_at)
                for user_id, name, points, completed, last_at in rows]

    def category_counts(self, user_ids: Iterable[int] | None = None) -> dict[int, CategoryCounts]:
        """Completed challenges per category and challenge points, grouped by learner."""
        stmt = (
            select(uc.c.user_id, challenges.c.category, func.count().label("n"),
                   func.sum(uc.c.points_awarded).label("points"))
            .join(challenges, challenges.c.id == uc.c.challenge_id)
            .where(uc.c.status == ProgressStatus.COMPLETED.value)
        )
        if user_ids is not None:
            stmt = stmt.where(uc.c.user_id.in_(list(user_ids)))
        counts: dict[int, dict[Category, int]] = {}
        points: dict[int, int] = {}
        for row in self.conn.execute(stmt.group_by(uc.c.user_id, challenges.c.category)):
            counts.setdefault(row.user_id, {})[Category(row.category)] = row.n
            points[row.user_id] = points.get(row.user_id, 0) + int(row.points)
        return {user_id: CategoryCounts(by_category, points[user_id]) for user_id, by_category in counts.items()}

    def weekly_points(self, user_id: int, since: datetime) -> dict[date, int]:
        """Challenge points per week (Monday, UTC) completed since `since`."""
        week = func.date_trunc("week", func.timezone("UTC", uc.c.completed_at)).label("week")
        rows = self.conn.execute(
            select(week, func.sum(uc.c.points_awarded).label("points"))
            .where(uc.c.user_id == user_id, uc.c.status == ProgressStatus.COMPLETED.value, uc.c.completed_at >= since)
            .group_by(week)
        ).all()
        return {row.week.date(): int(row.points) for row in rows}

    def active_learners(self) -> dict[int, str]:
        """Id → name of every active learner."""
        rows = self.conn.execute(
            select(users.c.id, users.c.full_name)
            .where(users.c.role == Role.LEARNER.value, users.c.is_active.is_(True))
        ).all()
        return {r.id: r.full_name for r in rows}
