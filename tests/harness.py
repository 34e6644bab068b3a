"""The services under test, with the bootstrap's resources beside them.

Tests call services (`services.workshops.create(...)`) and also look under them (the engine,
the Mongo database, the settings), so the `services` fixture is a `Harness`: a `Services`
(what the TUI and the CLI receive) that also reaches the `Resources` of its bootstrap.
Production code never gets one: it gets `Services`, and `SkillHub.resources` where it needs
an engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from sqlalchemy import Engine

from domain.bootstrap import Resources, SkillHub, bootstrap
from domain.clock import Clock
from domain.config import Settings
from domain.infrastructure.connections import Endpoints
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.security.passwords import PasswordHasher
from domain.services.container import Services


@dataclass
class Harness(Services):
    """`Services` plus the resources behind them, for fixtures and checks."""

    skillhub: SkillHub = field(kw_only=True, repr=False)

    @property
    def resources(self) -> Resources:
        return self.skillhub.resources

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    @property
    def endpoints(self) -> Endpoints:
        return self.resources.endpoints

    @property
    def engine(self) -> Engine:
        return self.resources.engine

    @property
    def mongo(self) -> MongoClient[dict[str, Any]]:
        return self.resources.mongo

    @property
    def db(self) -> Database[dict[str, Any]]:
        return self.resources.db

    @property
    def clock(self) -> Clock:
        return self.resources.clock

    @property
    def hasher(self) -> PasswordHasher:
        return self.resources.hasher

    def uow(self) -> UnitOfWork:
        return self.resources.uow()

    def check(self) -> None:
        self.skillhub.check()

    def close(self) -> None:
        self.skillhub.close()


def harness(skillhub: SkillHub) -> Harness:
    """The services of `skillhub` as a Harness (sharing its resources)."""
    return Harness(**{f.name: getattr(skillhub.services, f.name) for f in fields(Services)}, skillhub=skillhub)


def services_for(settings: Settings, **options: Any) -> Harness:
    """`bootstrap(settings, **options)` as a Harness; close it when done."""
    return harness(bootstrap(settings, **options))
