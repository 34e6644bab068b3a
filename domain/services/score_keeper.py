"""Keeps the leaderboard's maintained figures (`score_points`, `learner_scores`) equal to their sources.

Whenever something that earns points changes for a learner, that learner's rows of that
source are rewritten from the source and their all-time sums recomputed: in the same
PostgreSQL transaction for challenge progress, after MongoDB is written (outbox handlers,
badge changes) for badge awards and attendance. Rewriting, not incrementing, makes every
call idempotent and replay-safe; the learner's row is locked first, so two maintainers of
one learner run one after the other and the second reads what the first wrote.

A restore, a dump load or `skillhub doctor --repair` rebuilds everything (`rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.clock import Clock, utc_now
from domain.models.scores import WORKSHOP_POINTS
from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.badges import FOREVER_MS, AwardRepository, from_epoch_ms
from domain.repositories.sql.scores import BADGE, WORKSHOP, PointRow, ScoreTables
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory

CHUNK = 1000


class ScoreKeeper:
    """Rewrite learners' maintained figures from PostgreSQL and MongoDB (no role check: called below services)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, awards: AwardRepository, attendance: AttendanceRepository,
                 clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._awards = awards
        self._attendance = attendance
        self._clock = clock

    # -- one source changed --------------------------------------------------------------------
    def challenges_changed(self, uow: UnitOfWork, user_id: int) -> None:
        """After a progress step, inside its transaction (the step's row is already written)."""
        scores = uow.scores
        now = self._clock()
        scores.lock([user_id], now)
        scores.replace_challenges([user_id])
        scores.recompute([user_id], now, WORKSHOP_POINTS)

    def badges_changed(self, user_ids: Iterable[int]) -> None:
        """After awards of these learners were made, revoked, reopened or changed in MongoDB."""
        self._refresh(user_ids, badges=True, attendance=False)

    def attendance_changed(self, user_ids: Iterable[int]) -> None:
        """After these learners' registration documents changed in MongoDB."""
        self._refresh(user_ids, badges=False, attendance=True)

    def registrations_changed(self, marked: list[int], purged_workshops: list[int], forgotten: list[str]) -> None:
        """The workshops module's listener: refresh the learners whose attendance may have moved
        (marked, or holding points for a purged workshop or a forgotten document)."""
        learners = set(marked)
        if purged_workshops or forgotten:
            with self._uow() as uow:
                learners |= uow.scores.workshop_attendees(purged_workshops, forgotten)
        if learners:
            self.attendance_changed(learners)

    def _refresh(self, user_ids: Iterable[int], badges: bool, attendance: bool) -> None:
        ids = sorted(set(user_ids))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            now = self._clock()
            with self._uow() as uow:
                scores = uow.scores
                # Lock first, then read MongoDB: a concurrent maintainer of the same learner
                # either committed already (and we read after it) or waits for us.
                scores.lock(chunk, now)
                if badges:
                    scores.replace(chunk, BADGE, self._badge_rows(chunk))
                if attendance:
                    scores.replace(chunk, WORKSHOP, self._workshop_rows(chunk))
                scores.recompute(chunk, now, WORKSHOP_POINTS)
                uow.commit()

    # -- everything ------------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Rewrite every learner's figures from the sources (restore, dumps, doctor --repair)."""
        with self._uow() as uow:
            self.rebuild_in(uow.scores, self._clock())
            uow.commit()
        with self._uow() as uow:
            # Fresh statistics for the rewritten tables, so the boards' plans fit them at once.
            uow.scores.analyze()
            uow.commit()

    def rebuild_in(self, scores: ScoreTables, now: datetime) -> None:
        """The rebuild's statements, in the caller's transaction (the doctor rolls its copy back)."""
        scores.lock_all()
        scores.replace_challenges(None)
        scores.replace(None, BADGE, self._badge_rows(None))
        scores.replace(None, WORKSHOP, self._workshop_rows(None))
        scores.recompute(None, now, WORKSHOP_POINTS)

    # -- reading the MongoDB sources ------------------------------------------------------------
    def _badge_rows(self, user_ids: list[int] | None) -> list[PointRow]:
        return [PointRow(user_id, BADGE, award_id, from_epoch_ms(awarded_ms), category, bonus,
                         None if until_ms >= FOREVER_MS else from_epoch_ms(until_ms))
                for award_id, user_id, awarded_ms, until_ms, bonus, category in self._awards.scoring_rows(user_ids)]

    def _workshop_rows(self, user_ids: list[int] | None) -> list[PointRow]:
        # The start and status come from PostgreSQL when the rows are written (ScoreTables.replace).
        return [PointRow(learner, WORKSHOP, doc_id, None, None, 0, None, False, workshop)
                for doc_id, learner, workshop in self._attendance.attended_registrations(user_ids)]
