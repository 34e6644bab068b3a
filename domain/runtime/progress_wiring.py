"""Wiring of the progress and badges module into the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pymongo.database import Database

from domain.clock import Clock
from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.badges import AwardRepository, BadgeRepository
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.runtime.progress_demo import seed_progress_demo
from domain.services.activity import ActivityService
from domain.services.badges import BadgeService
from domain.services.challenges import ChallengeService
from domain.services.leaderboard import LeaderboardService
from domain.services.outbox import OutboxRelay
from domain.services.progress import OUTBOX_KIND as PROGRESS_KIND
from domain.services.progress import ProgressService
from domain.services.scores import ScoreCalculator, ScoreService


@dataclass(frozen=True)
class ProgressModule:
    """The progress and badges services, built together because they share a calculator."""

    challenges: ChallengeService
    progress: ProgressService
    badges: BadgeService
    scores: ScoreService
    leaderboard: LeaderboardService


def wire_progress(uow_factory: UnitOfWorkFactory, db: Database, activity: ActivityService, relay: OutboxRelay,
                  clock: Clock, demo_steps: list[Callable[..., object]]) -> ProgressModule:
    """Build the module's services, register its outbox handler and its demo step."""
    events = ProgressEventRepository(db)
    badge_repo = BadgeRepository(db)
    awards = AwardRepository(db)
    attendance = AttendanceRepository(db)
    calculator = ScoreCalculator(uow_factory, awards, attendance, clock)
    badges = BadgeService(uow_factory, badge_repo, awards, events, attendance, calculator, activity, relay, clock)
    progress = ProgressService(uow_factory, events, badges, activity, relay, clock)
    relay.register(PROGRESS_KIND, progress.apply_event)
    demo_steps.append(seed_progress_demo)
    return ProgressModule(
        challenges=ChallengeService(uow_factory, activity, relay, clock),
        progress=progress,
        badges=badges,
        scores=ScoreService(uow_factory, calculator, events, badge_repo, awards, clock),
        leaderboard=LeaderboardService(uow_factory, calculator, clock),
    )
