"""`skillhub db upgrade`: Alembic for PostgreSQL, the init code for MongoDB."""

from __future__ import annotations

import logging
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
log = logging.getLogger("skillhub.migrate")
MONGO_IN_PLACE = "MongoDB: collections, validators and indexes already in place"


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

    @property
    def _postgres_line(self) -> str:
        if self.postgres_before == self.postgres_after:
            return f"PostgreSQL: already at head ({self.postgres_after})"
        return f"PostgreSQL: upgraded {self.postgres_before or 'empty'} -> {self.postgres_after}"

    def lines(self) -> list[str]:
        """What changed, every MongoDB change named (`skillhub db upgrade`)."""
        pg = self._postgres_line
        mongo = (
            f"MongoDB: {len(self.mongo_actions)} change(s): " + ", ".join(self.mongo_actions)
            if self.mongo_actions
            else MONGO_IN_PLACE
        )
        return [pg, mongo, *self._notes()]

    @property
    def needs_scores_built(self) -> bool:
        """This upgrade added the leaderboard's maintained figures to a database that had data:
        they must be built once from both databases (`skillhub run` does it, `db upgrade` says so)."""
        return self.postgres_before is not None and self.postgres_before < SCORES_REVISION <= (self.postgres_after or "")

    def _notes(self) -> list[str]:
        """What a person must do after this upgrade."""
        if self.needs_scores_built:
            return ["Leaderboard: run 'skillhub doctor --repair' once to build its figures from both databases"]
        return []

    def summary(self) -> list[str]:
        """What changed, a line a database, counted rather than listed (`upgrade` logs each change)."""
        pg = self._postgres_line
        collections = sum(action.startswith("created collection") for action in self.mongo_actions)
        indexes = sum(action.startswith("created index") for action in self.mongo_actions)
        others = len(self.mongo_actions) - collections - indexes
        if not self.mongo_actions:
            return [pg, MONGO_IN_PLACE]
        counted = [f"{collections} collection{'s' * (collections != 1)}", f"{indexes} index{'es' * (indexes != 1)}"]
        more = f", {others} other change{'s' * (others != 1)}" if others else ""
        return [pg, f"MongoDB: created {' and '.join(counted)}{more} (each one in the log file)"]


def upgrade(engine: Engine, db) -> UpgradeReport:  # noqa: ANN001 - pymongo Database
    before = current_revision(engine)
    if before != head_revision():
        try:
            command.upgrade(alembic_config(engine), "head")
        except OperationalError as exc:
            raise postgres_unavailable(exc) from None
    after = current_revision(engine)
    actions = init_mongo(db)
    for action in actions:
        log.info("MongoDB init: %s", action)
    return UpgradeReport(before, after, actions)
