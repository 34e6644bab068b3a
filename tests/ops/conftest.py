"""Fixtures for the operations tests (backup and restore, data dumps)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from domain.bootstrap import backup_service
from domain.infrastructure.connections import Endpoints
from domain.infrastructure.embedded import EmbeddedServers
from domain.services.backup import BackupService
from domain.services.container import Services
from tests.harness import services_for
from tests.ops.helpers import drop_probe, seed, ticking_clock


@pytest.fixture
def backups(services: Services, tmp_path: Path) -> BackupService:
    settings = replace(services.settings, backup_dir=tmp_path / "backups", backup_keep=3)
    return backup_service(services.resources, services.activity, settings, clock=ticking_clock())


@pytest.fixture
def seeded(services: Services) -> Iterator[Services]:
    """Users, activity, login attempts, a revoked token, and a probe table and collection of varied types."""
    seed(services)
    yield services
    drop_probe(services)


@pytest.fixture
def fresh(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Services on new, empty PostgreSQL and MongoDB servers in their own data directory."""
    data_dir: Path = tmp_path_factory.mktemp("fresh-servers")
    servers = EmbeddedServers(data_dir)
    try:
        urls = servers.ensure_started()
        settings = replace(services.settings, database_url=urls.database_url, mongo_url=urls.mongo_url,
                           data_dir=data_dir, backup_dir=data_dir / "backups")
        endpoints = Endpoints(urls.database_url, urls.mongo_url, services.endpoints.mongo_db,
                              services.endpoints.secret_key, embedded=True)
        built = services_for(settings, clock=services.clock, endpoints=endpoints)
        try:
            yield built
        finally:
            built.close()
    finally:
        servers.stop()
