"""Fixtures shared by the foundation tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from domain.infrastructure.connections import Endpoints, make_engine

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nothing listens on (to play an unreachable server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_module(module: str, args: Sequence[str | bytes], settings: dict[str, str], stdin: str | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m module` as an operator would, with exactly `settings` as SkillHub's settings.

    Arguments may be bytes, as a shell passes them (`$'\\xff'` is not valid UTF-8).

    Settings inherited from the caller's environment are dropped and `.env` is never read,
    so a developer's own configuration cannot leak into the test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLHUB_", "DATABASE_", "MONGO_"))}
    env["SKILLHUB_ENV_FILE"] = os.devnull
    env.update(settings)
    return subprocess.run([sys.executable, "-m", module, *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def scratch_database(migrated: Endpoints) -> Iterator[Engine]:
    """A database of its own on the test server, so the shared schema is never touched."""
    name = f"skillhub_scratch_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(migrated.database_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except ProgrammingError as exc:
        admin.dispose()
        pytest.skip(f"the test server does not let this role create databases: {exc.orig}")
    engine = make_engine(make_url(migrated.database_url).set(database=name).render_as_string(hide_password=False), 3)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
