"""`skillhub db upgrade`: Alembic for PostgreSQL, the init code for MongoDB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from domain.repositories.mongo.schema import init_mongo
from domain.repositories.sql.unit_of_work import postgres_unavailable

ROOT = Path(__file__).resolve().parents[2]
# The revision that adds the leaderboard's maintained figures (which it cannot fill from MongoDB).
SCORES_REVISION = "0006"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at `migrations/`, bound to `engine` when given."""
    ini = ROOT / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["configure_logging"] = False
    if engine is not None:
        cfg.attributes["database_url"] = engine.url.render_as_string(hide_password=False)
    return cfg


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise postgres_unavailable(exc) from None


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True)
class UpgradeReport:
    postgres_before: str | None
    postgres_after: str | None
    mongo_actions: list[str]

    @property
    def changed(self) -> bool:
        return self.postgres_before != self.postgres_after or bool(self.mongo_actions)

    def lines(self) -> list[str]:
        if self.postgres_before == self.postgres_after:
            pg = f"PostgreSQL: already at head ({self.postgres_after})"
        else:
            pg = f"PostgreSQL: upgraded {self.postgres_before or 'empty'} -> {self.postgres_after}"
        mongo = (
            f"MongoDB: {len(self.mongo_actions)} change(s): " + ", ".join(self.mongo_actions)
            if self.mongo_actions
            else "MongoDB: collections, validators and indexes already in place"
        )
        lines = [pg, mongo]
        if self.postgres_before is not None and self.postgres_before < SCORES_REVISION <= (self.postgres_after or ""):
            lines.append("Leaderboard: run 'skillhub doctor --repair' once to build its figures from both databases")
        return lines


def upgrade(engine: Engine, db) -> UpgradeReport:  # noqa: ANN001 - pymongo Database
    before = current_revision(engine)
    if before != head_revision():
        try:
            command.upgrade(alembic_config(engine), "head")
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
    after = current_revision(engine)
    return UpgradeReport(before, after, init_mongo(db))
