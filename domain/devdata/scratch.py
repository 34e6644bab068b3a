"""A throw-away pair of embedded servers, migrated, for benchmarks and exports.

Never touches the user's data: the servers live in a temporary directory that is removed
(after the servers are stopped) when the context ends.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from domain.bootstrap import SkillHub, bootstrap
from domain.clock import Clock, utc_now
from domain.config import Settings
from domain.infrastructure.connections import Endpoints
from domain.infrastructure.embedded import EmbeddedServers
from domain.infrastructure.migrate import upgrade


@contextmanager
def scratch_skillhub(clock: Clock = utc_now, mongo_db: str = "skillhub", bcrypt_rounds: int = 10,
                     backup_keep: int = 1000, keep_dir: bool = False) -> Iterator[SkillHub]:
    """Start embedded servers in a temporary directory, migrate them, yield their bootstrap."""
    data_dir = Path(tempfile.mkdtemp(prefix="skillhub-scratch-"))
    servers = EmbeddedServers(data_dir)
    try:
        urls = servers.ensure_started()
        secret = secrets.token_hex(32)
        settings = Settings(
            database_url=urls.database_url, mongo_url=urls.mongo_url, mongo_db=mongo_db, secret_key=secret,
            token_ttl_minutes=60, bcrypt_rounds=bcrypt_rounds, data_dir=data_dir, backup_dir=data_dir / "backups",
            backup_keep=backup_keep, connect_timeout_s=10.0,
        )
        endpoints = Endpoints(urls.database_url, urls.mongo_url, mongo_db, secret, embedded=True)
        with bootstrap(settings, clock=clock, endpoints=endpoints) as skillhub:
            upgrade(skillhub.resources.engine, skillhub.resources.db)
            yield skillhub
    finally:
        servers.stop()
        if not keep_dir:
            import shutil

            shutil.rmtree(data_dir, ignore_errors=True)
