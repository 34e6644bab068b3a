"""Queries on `user_preferences` (one row per user, created on first change)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.repositories.sql.schema import user_preferences


@dataclass(frozen=True)
class BoardPrivacy:
    """What the leaderboard must hide for one viewer."""

    hide_names: bool
    hide_my_name: bool
    # Learners on the page who hide their own name from other learners.
    withheld: frozenset[int]


class PreferenceRepository:
    """Read and write a user's preferences inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def leaderboard_hide_names(self, user_id: int) -> bool:
        value = self.conn.execute(
            select(user_preferences.c.leaderboard_hide_names).where(user_preferences.c.user_id == user_id)
        ).scalar_one_or_none()
        return bool(value)

    def set_leaderboard_hide_names(self, user_id: int, hide: bool, now: datetime) -> None:
        self._set(user_id, now, leaderboard_hide_names=hide)

    def set_leaderboard_hide_my_name(self, user_id: int, hide: bool, now: datetime) -> None:
        self._set(user_id, now, leaderboard_hide_my_name=hide)

    def board_privacy(self, viewer_id: int, shown: Iterable[int]) -> BoardPrivacy:
        """The viewer's two leaderboard switches, and which of the learners `shown` (a page: bounded)
        hide their own name, in one statement."""
        prefs = user_preferences.c
        ids = [user_id for user_id in shown if user_id != viewer_id]
        wanted = prefs.user_id == viewer_id
        if ids:
            wanted = or_(wanted, and_(prefs.user_id.in_(ids), prefs.leaderboard_hide_my_name.is_(True)))
        rows = self.conn.execute(
            select(prefs.user_id, prefs.leaderboard_hide_names, prefs.leaderboard_hide_my_name).where(wanted)
        ).all()
        mine = next((row for row in rows if row.user_id == viewer_id), None)
        return BoardPrivacy(bool(mine and mine.leaderboard_hide_names), bool(mine and mine.leaderboard_hide_my_name),
                            frozenset(row.user_id for row in rows if row.user_id != viewer_id))

    def _set(self, user_id: int, now: datetime, **values: bool) -> None:
        stmt = pg_insert(user_preferences).values(user_id=user_id, updated_at=now, **values)
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=[user_preferences.c.user_id], set_={**values, "updated_at": now})
        )
