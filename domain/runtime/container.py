"""The composition root of the domain: settings → servers → repositories → services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pymongo import MongoClient
from pymongo.database import Database
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from domain.clock import Clock, utc_now
from domain.config import Settings
from domain.errors import ConfigError, DatabaseUnavailable
from domain.repositories.mongo.activity import ActivityRepository
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.repositories.mongo.guard import mongo_guard
from domain.repositories.mongo.registrations import RegistrationDocuments
from domain.repositories.sql.unit_of_work import (
    UnitOfWork,
    postgres_unavailable,
)
from domain.infrastructure.embedded import EmbeddedServers
from domain.runtime.progress_wiring import wire_progress
from domain.runtime.workshops_demo import seed_workshops
from domain.security.passwords import PasswordHasher
from domain.security.tokens import TokenCodec
from domain.services.activity import OUTBOX_KIND as ACTIVITY_KIND
from domain.services.activity import ActivityService
from domain.services.auth import AuthService
from domain.services.backup import BackupService
from domain.services.doctor import DoctorService
from domain.services.outbox import OutboxRelay
from domain.services.registrations import RegistrationService
from domain.services.ssh_keys import SshKeyService
from domain.services.users import UserService
from domain.services.workshop_sync import WorkshopSync
from domain.services.workshops import WorkshopService

if TYPE_CHECKING:
    from domain.services.badges import BadgeService
    from domain.services.challenges import ChallengeService
    from domain.services.leaderboard import LeaderboardService
    from domain.services.progress import ProgressService
    from domain.services.scores import ScoreService


@dataclass(frozen=True)
class Endpoints:
    """Where the two databases are, and the key that signs session tokens."""

    database_url: str
    mongo_url: str
    mongo_db: str
    secret_key: str
    embedded: bool


def resolve_endpoints(settings: Settings, start_embedded: bool = True) -> Endpoints:
    """Use the configured URLs, starting (or reusing) embedded servers for those unset."""
    database_url, mongo_url, secret = settings.database_url, settings.mongo_url, settings.secret_key
    if settings.embedded:
        servers = EmbeddedServers(settings.data_dir)
        if start_embedded:
            urls = servers.ensure_started(need_postgres=database_url is None, need_mongo=mongo_url is None)
            database_url = database_url or urls.database_url
            mongo_url = mongo_url or urls.mongo_url
        else:
            pg_port, mongo_port = servers.postgres.running_port(), servers.mongo.running_port()
            if (database_url is None and pg_port is None) or (mongo_url is None and mongo_port is None):
                raise DatabaseUnavailable(
                    "The embedded servers", "not running", "Start them with 'skillhub embedded start' or 'make run'."
                )
            database_url = database_url or servers.postgres.url(pg_port or 0)
            mongo_url = mongo_url or servers.mongo.url(mongo_port or 0)
        secret = secret or servers.secret_key()
    if secret is None:
        raise ConfigError("SKILLHUB_SECRET_KEY is not set")
    assert database_url is not None and mongo_url is not None
    return Endpoints(database_url, mongo_url, settings.mongo_db, secret, settings.embedded)


def resolve_database_url(settings: Settings) -> str:
    return resolve_endpoints(settings).database_url


def make_engine(url: str, timeout_s: float, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"connect_timeout": max(1, int(timeout_s)), "application_name": "skillhub"},
    )


def make_mongo_client(url: str, timeout_s: float) -> MongoClient[dict[str, Any]]:
    ms = int(timeout_s * 1000)
    return MongoClient(url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=max(ms * 10, 30000),
                       tz_aware=True, appname="skillhub")


@dataclass
class Services:
    """Everything the TUI and the CLI call, built once per process."""

    settings: Settings
    endpoints: Endpoints
    engine: Engine
    mongo: MongoClient[dict[str, Any]]
    db: Database[dict[str, Any]]
    clock: Clock
    hasher: PasswordHasher
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
    # Per-process odds and ends: the demo steps, the TUI's verified-archive memory.
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def check(self) -> None:
        """Raise DatabaseUnavailable naming the first database that does not answer."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
        with mongo_guard():
            self.mongo.admin.command("ping")

    def close(self) -> None:
        self.mongo.close()
        self.engine.dispose()


def build_services(settings: Settings, clock: Clock = utc_now, start_embedded: bool = True,
                   endpoints: Endpoints | None = None, pool_size: int = 10, max_overflow: int = 20) -> Services:
    """Wire repositories and services; connects lazily (call `check()` to fail fast).

    `pool_size` and `max_overflow` bound the PostgreSQL connections of this process (an SSH
    session's app runs with a small pool, so that many sessions fit under max_connections)."""
    endpoints = endpoints or resolve_endpoints(settings, start_embedded=start_embedded)
    engine = make_engine(endpoints.database_url, settings.connect_timeout_s, pool_size, max_overflow)
    mongo = make_mongo_client(endpoints.mongo_url, settings.connect_timeout_s)
    db = mongo[endpoints.mongo_db]

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(engine)

    hasher = PasswordHasher(settings.bcrypt_rounds)
    relay = OutboxRelay(uow_factory, clock)
    activity = ActivityService(ActivityRepository(db), clock)
    relay.register(ACTIVITY_KIND, activity.apply)
    # Tokens are dated by the wall clock: a fixed display clock must not make them expire.
    codec = TokenCodec(endpoints.secret_key, settings.token_ttl_minutes,
                       max_session_hours=settings.session_max_hours)
    auth = AuthService(uow_factory, hasher, codec, AuthEventRepository(db), TokenDenyList(db), clock)
    users = UserService(uow_factory, hasher, activity, relay, clock)
    demo_steps: list[Callable[..., object]] = []
    documents, comments = RegistrationDocuments(db), CommentRepository(db)
    sync = WorkshopSync(documents, comments, relay)
    for kind, handler in sync.handlers().items():
        relay.register(kind, handler)
    demo_steps.append(seed_workshops)
    doctor = DoctorService(uow_factory, relay, sync, documents, comments, db, activity, clock)
    progress = wire_progress(uow_factory, db, activity, relay, clock, demo_steps)
    sync.attendance_listeners.append(progress.badges.on_attendance_marked)
    # Archives are named by the wall clock, like tokens: a fixed display clock must not reuse names.
    backups = BackupService(settings, endpoints.database_url, engine, db, activity, relay,
                            drift_check=lambda: doctor.check().lines())
    return Services(
        settings, endpoints, engine, mongo, db, clock, hasher, relay, activity, auth, users,
        backups=backups,
        workshops=WorkshopService(uow_factory, activity, sync, clock),
        registrations=RegistrationService(uow_factory, activity, sync, documents, comments, clock),
        doctor=doctor,
        challenges=progress.challenges,
        progress=progress.progress,
        badges=progress.badges,
        scores=progress.scores,
        leaderboard=progress.leaderboard,
        ssh_keys=SshKeyService(uow_factory, activity, relay, clock),
        extras={"demo_steps": demo_steps},
    )
