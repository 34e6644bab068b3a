"""Wiring of the progress and badges module into the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.badges import AwardRepository, BadgeRepository
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.runtime.progress_demo import seed_progress_demo
from domain.services.badges import BadgeService
from domain.services.challenges import ChallengeService
from domain.services.leaderboard import LeaderboardService
from domain.services.progress import OUTBOX_KIND as PROGRESS_KIND
from domain.services.progress import ProgressService
from domain.services.scores import ScoreCalculator, ScoreService

if TYPE_CHECKING:
    from domain.runtime.container import Services


def wire_progress(services: Services) -> None:
    """Build the module's services, register its outbox handler and its demo step."""
    engine, db, clock = services.engine, services.db, services.clock

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(engine)

    events = ProgressEventRepository(db)
    badge_repo = BadgeRepository(db)
    awards = AwardRepository(db)
    attendance = AttendanceRepository(db)
    calculator = ScoreCalculator(uow_factory, awards, attendance, clock)
    services.challenges = ChallengeService(uow_factory, services.activity, services.relay, clock)
    services.badges = BadgeService(uow_factory, badge_repo, awards, events, attendance, calculator,
                                   services.activity, services.relay, clock)
    services.progress = ProgressService(uow_factory, events, services.badges, services.activity, services.relay, clock)
    services.scores = ScoreService(uow_factory, calculator, events, badge_repo, awards, clock)
    services.leaderboard = LeaderboardService(uow_factory, calculator, clock)
    services.relay.register(PROGRESS_KIND, services.progress.apply_event)
    services.extras.setdefault("demo_steps", []).append(seed_progress_demo)
