"""Where the two databases are (configured, or the embedded servers) and the clients that reach them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, OperationalError

from domain.config import Settings
from domain.errors import ConfigError, DatabaseUnavailable
from domain.infrastructure.embedded import EmbeddedServers
from domain.repositories.mongo.guard import mongo_guard
from domain.repositories.sql.unit_of_work import postgres_unavailable


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
    """The PostgreSQL URL to use (Alembic's env.py), starting the embedded server if needed."""
    return resolve_endpoints(settings).database_url


# A pooled connection that has rested longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 2.0


def make_engine(url: str, timeout_s: float, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """A PostgreSQL engine that gives up after `timeout_s` and checks a rested pooled connection before use."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"connect_timeout": max(1, int(timeout_s)), "application_name": "skillhub"},
    )
    _ping_rested_connections(engine)
    return engine


def _ping_rested_connections(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, for connections that rested `PING_AFTER_IDLE_S` or more.

    A server restart or a dropped link is found before a statement fails, as with pre-ping,
    and the pool reconnects; connections handed back and forth within one action (a
    registration uses one, a screen's load a few in a row) skip the extra round trip. The
    recipe is SQLAlchemy's own "custom ping on checkout" (DisconnectionError makes the pool
    retry with a new connection)."""

    @event.listens_for(engine, "checkin")
    def _rested_since(dbapi_connection: Any, record: Any) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("rested_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc


def make_mongo_client(url: str, timeout_s: float) -> MongoClient[dict[str, Any]]:
    """A pymongo client (timezone-aware dates) that gives up after `timeout_s`."""
    ms = int(timeout_s * 1000)
    return MongoClient(url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=max(ms * 10, 30000),
                       tz_aware=True, appname="skillhub")


def check_connections(engine: Engine, db: Database[dict[str, Any]]) -> None:
    """Raise DatabaseUnavailable naming the first database that does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise postgres_unavailable(exc) from None
    with mongo_guard():
        db.client.admin.command("ping")
