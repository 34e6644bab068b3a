"""Queries on `user_preferences` (one row per user, created on first change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.repositories.sql.schema import user_preferences


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
        stmt = pg_insert(user_preferences).values(user_id=user_id, leaderboard_hide_names=hide, updated_at=now)
        self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[user_preferences.c.user_id],
                set_={"leaderboard_hide_names": hide, "updated_at": now},
            )
        )
