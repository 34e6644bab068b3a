"""Fixtures shared by the foundation tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from domain.runtime.container import Endpoints, make_engine


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
