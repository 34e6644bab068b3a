"""Fixtures for the backup and restore tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from domain.runtime.container import Services
from domain.services.backup import BackupService
from tests.ops.helpers import drop_probe, seed, ticking_clock


@pytest.fixture
def backups(services: Services, tmp_path: Path) -> BackupService:
    settings = replace(services.settings, backup_dir=tmp_path / "backups", backup_keep=3)
    return BackupService(settings, services.endpoints.database_url, services.engine, services.db, clock=ticking_clock())


@pytest.fixture
def seeded(services: Services) -> Iterator[Services]:
    """Users, activity, login attempts, a revoked token, and a probe table and collection of varied types."""
    seed(services)
    yield services
    drop_probe(services)
