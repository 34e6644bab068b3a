"""`Services`: every service the TUI and the CLI call, and nothing else.

Built by `domain.bootstrap`, which also owns the resources behind them (engine, Mongo client).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.services.activity import ActivityService
from domain.services.auth import AuthService
from domain.services.backup import BackupService
from domain.services.badges import BadgeService
from domain.services.bulk import BulkService
from domain.services.challenges import ChallengeService
from domain.services.doctor import DoctorService
from domain.services.leaderboard import LeaderboardService
from domain.services.outbox import OutboxRelay
from domain.services.progress import ProgressService
from domain.services.registrations import RegistrationService
from domain.services.scores import ScoreService
from domain.services.ssh_keys import SshKeyService
from domain.services.undo import UndoService
from domain.services.users import UserService
from domain.services.workshops import WorkshopService


@dataclass
class Services:
    """The services of one process (see `domain.bootstrap.bootstrap` and `open_services`)."""

    relay: OutboxRelay
    activity: ActivityService
    auth: AuthService
    users: UserService
    backups: BackupService
    # Workshops (issue 3)
    workshops: WorkshopService
    registrations: RegistrationService
    doctor: DoctorService
    # Progress and badges (issue 4)
    challenges: ChallengeService
    progress: ProgressService
    badges: BadgeService
    scores: ScoreService
    leaderboard: LeaderboardService
    # SSH public keys (issue 12)
    ssh_keys: SshKeyService
    # Bulk actions and undo (issue 14)
    bulk: BulkService
    undo: UndoService
