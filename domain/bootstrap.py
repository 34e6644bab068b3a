"""The one bootstrap: settings → resources (servers, engine, Mongo client) → services.

Every way into SkillHub starts here: the TUI and the CLI (`tui/cli/`), the SSH server and
its session children, benchmarks and tests. `bootstrap()` returns a `SkillHub`: the
`Resources` it holds open and the `Services` built on them; close it when done. Demo data is
not wired here (see `domain.devdata`): the entry points seed it.

For a script, `open_services` is the short way (see "Scripting SkillHub" in the README):

    from domain.bootstrap import open_services
    from domain.config import load_settings
    from domain.models.paging import PageRequest
    from domain.models.users import SYSTEM

    with open_services(load_settings()) as services:
        for user in services.users.list(SYSTEM, PageRequest(1, 20)).items:
            print(user.email, user.role.value)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from pymongo import MongoClient
from pymongo.database import Database
from sqlalchemy import Engine

from domain.clock import Clock, utc_now
from domain.config import Settings
from domain.infrastructure.connections import (
    Endpoints,
    check_connections,
    make_engine,
    make_mongo_client,
    resolve_endpoints,
)
from domain.infrastructure.postgres_backup import PostgresBackup
from domain.repositories.mongo.activity import ActivityRepository
from domain.repositories.mongo.archive import CollectionArchive
from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.badges import AwardRepository, BadgeRepository
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.mongo.registrations import RegistrationDocuments
from domain.repositories.mongo.schema import MongoSchema
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.security.passwords import PasswordHasher
from domain.security.tokens import TokenCodec
from domain.services.activity import BATCH_KIND as ACTIVITY_BATCH_KIND
from domain.services.activity import OUTBOX_KIND as ACTIVITY_KIND
from domain.services.activity import ActivityService
from domain.services.auth import AuthService
from domain.services.backup import BackupService, DriftCheck
from domain.services.badges import BadgeService
from domain.services.bulk import BulkService
from domain.services.challenges import ChallengeService
from domain.services.container import Services
from domain.services.doctor import DoctorService
from domain.services.leaderboard import LeaderboardService
from domain.services.outbox import OutboxRelay
from domain.services.progress import OUTBOX_KIND as PROGRESS_KIND
from domain.services.progress import ProgressService
from domain.services.registrations import RegistrationService
from domain.services.score_keeper import ScoreKeeper
from domain.services.scores import ScoreCalculator, ScoreService
from domain.services.ssh_keys import SshKeyService
from domain.services.undo import UndoService
from domain.services.users import UserService
from domain.services.workshop_sync import WorkshopSync
from domain.services.workshops import WorkshopService


@dataclass
class Resources:
    """What one process holds open for its services: settings, where the databases are, the
    PostgreSQL engine and the Mongo client, the clock and the password hasher."""

    settings: Settings
    endpoints: Endpoints
    engine: Engine
    mongo: MongoClient[dict[str, Any]]
    db: Database[dict[str, Any]]
    clock: Clock
    hasher: PasswordHasher
    # The services' own factory: its units of work relay their outbox records after a commit.
    uow_factory: UnitOfWorkFactory

    def uow(self) -> UnitOfWork:
        """A unit of work like the services' (for code below them: seeding, fixtures)."""
        return self.uow_factory()

    def check(self) -> None:
        """Raise DatabaseUnavailable naming the first database that does not answer."""
        check_connections(self.engine, self.db)

    def close(self) -> None:
        self.mongo.close()
        self.engine.dispose()


@dataclass
class SkillHub:
    """One process's wiring: the resources it holds open and the services built on them."""

    resources: Resources
    services: Services

    def check(self) -> None:
        self.resources.check()

    def close(self) -> None:
        self.resources.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def bootstrap(settings: Settings, *, clock: Clock = utc_now, start_embedded: bool = True,
              endpoints: Endpoints | None = None, pool_size: int = 10, max_overflow: int = 20) -> SkillHub:
    """Resolve the databases (starting the embedded servers if needed), open the clients, wire the services.

    Connects lazily: call `check()` to fail fast. `pool_size` and `max_overflow` bound the
    PostgreSQL connections of this process (an SSH session's app runs with a small pool, so
    that many sessions fit under max_connections)."""
    endpoints = endpoints or resolve_endpoints(settings, start_embedded=start_embedded)
    engine = make_engine(endpoints.database_url, settings.connect_timeout_s, pool_size, max_overflow)
    mongo = make_mongo_client(endpoints.mongo_url, settings.connect_timeout_s)
    db = mongo[endpoints.mongo_db]
    # The relay's own units of work only claim and mark records: they never add any to relay.
    relay = OutboxRelay(lambda: UnitOfWork(engine), clock)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(engine, relay.settle_committed)

    resources = Resources(settings, endpoints, engine, mongo, db, clock, PasswordHasher(settings.bcrypt_rounds),
                          uow_factory)
    return SkillHub(resources, _wire(resources, relay))


@contextmanager
def open_services(settings: Settings, *, clock: Clock = utc_now, check: bool = True) -> Iterator[Services]:
    """`with open_services(settings) as services:` — the services of a script, closed on the way out.

    The databases must be migrated (`skillhub db upgrade`); with `check`, an unreachable one
    raises DatabaseUnavailable before the block runs."""
    with bootstrap(settings, clock=clock) as skillhub:
        if check:
            skillhub.check()
        yield skillhub.services


def backup_service(resources: Resources, activity: ActivityService, settings: Settings | None = None, *,
                   clock: Clock = utc_now, drift_check: DriftCheck | None = None,
                   after_restore: Callable[[], None] | None = None) -> BackupService:
    """The backup service over `resources` (`settings` to point it at another directory or retention).

    Archives are named by the wall clock, like tokens: a fixed display clock must not reuse names."""
    settings = settings or resources.settings
    postgres = PostgresBackup(resources.engine, resources.endpoints.database_url, settings.connect_timeout_s)
    return BackupService(settings, postgres, CollectionArchive(resources.db), TokenDenyList(resources.db), activity,
                         resources.uow_factory, clock=clock, drift_check=drift_check, after_restore=after_restore)


def _wire(resources: Resources, relay: OutboxRelay) -> Services:
    """Repositories → services, and each outbox kind → the handler that applies it to MongoDB."""
    settings, endpoints, db, clock = resources.settings, resources.endpoints, resources.db, resources.clock
    uow_factory = resources.uow_factory
    activity = ActivityService(ActivityRepository(db), clock, uow_factory)
    relay.register(ACTIVITY_KIND, activity.apply)
    relay.register(ACTIVITY_BATCH_KIND, activity.apply_batch)
    # Tokens are dated by the wall clock: a fixed display clock must not make them expire.
    codec = TokenCodec(endpoints.secret_key, settings.token_ttl_minutes, max_session_hours=settings.session_max_hours)
    auth = AuthService(uow_factory, resources.hasher, codec, AuthEventRepository(db), TokenDenyList(db), clock)
    # Workshops: registrations and comments reach MongoDB through the outbox.
    documents, comments = RegistrationDocuments(db), CommentRepository(db)
    sync = WorkshopSync(documents, comments)
    for kind, handler in sync.handlers().items():
        relay.register(kind, handler)
    # Progress and badges: one score calculator shared by the badges, scores and leaderboard,
    # one keeper of the leaderboard's maintained figures fed by every change that moves them.
    events, badge_repo, awards = ProgressEventRepository(db), BadgeRepository(db), AwardRepository(db)
    attendance = AttendanceRepository(db)
    calculator = ScoreCalculator(uow_factory, awards, attendance, clock)
    keeper = ScoreKeeper(uow_factory, awards, attendance, clock)
    sync.registration_listeners.append(keeper.registrations_changed)
    doctor = DoctorService(uow_factory, relay, sync, documents, comments, MongoSchema(db), activity, clock,
                           keeper=keeper)
    badges = BadgeService(uow_factory, badge_repo, awards, events, attendance, calculator, activity, clock, keeper)
    progress = ProgressService(uow_factory, events, badges, activity, clock, keeper)
    relay.register(PROGRESS_KIND, progress.apply_event)
    sync.attendance_listeners.append(badges.on_attendance_marked)
    backups = backup_service(resources, activity, drift_check=lambda: doctor.check().lines(),
                             after_restore=keeper.rebuild)
    return Services(
        relay=relay,
        activity=activity,
        auth=auth,
        users=UserService(uow_factory, resources.hasher, activity, clock),
        backups=backups,
        workshops=WorkshopService(uow_factory, activity, sync, clock),
        registrations=RegistrationService(uow_factory, activity, sync, documents, comments, clock),
        doctor=doctor,
        challenges=ChallengeService(uow_factory, activity, clock),
        progress=progress,
        badges=badges,
        scores=ScoreService(uow_factory, calculator, events, badge_repo, awards, clock),
        leaderboard=LeaderboardService(uow_factory, calculator, clock),
        ssh_keys=SshKeyService(uow_factory, activity, clock),
        bulk=BulkService(uow_factory, activity, sync, clock),
        undo=UndoService(uow_factory, activity, sync, clock),
    )
