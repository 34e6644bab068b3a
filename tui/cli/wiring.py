"""The one way a command opens SkillHub: `domain.bootstrap`, with the databases checked first.

Imported when a command runs, never to build the parser: the bootstrap pulls in SQLAlchemy,
pymongo and every service, which `skillhub --help` has no use for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from domain.bootstrap import SkillHub, bootstrap, open_services
from domain.config import Settings

__all__ = ["connected", "open_services", "prepare"]


@contextmanager
def connected(settings: Settings) -> Iterator[SkillHub]:
    """Servers started if embedded, both databases answering; the resources too (engine, Mongo
    database) for the commands that migrate or check the schema. Closed on the way out.

    A command that needs only the services uses `open_services(settings)`."""
    with bootstrap(settings) as skillhub:
        skillhub.check()
        yield skillhub


def prepare(settings: Settings, quiet: bool = False, say: Callable[[str], None] = print) -> SkillHub:
    """Start servers if embedded, migrate, seed demo data on first use, replay the outbox.

    What `skillhub run` and `skillhub ssh serve` do first; the caller closes what it returns.
    What it has to tell (the migrations applied, a first run's demo credentials) goes to `say`:
    `skillhub run` prepares behind the TUI and prints it once the TUI has ended."""
    from domain.devdata.seed import seed_demo
    from domain.infrastructure.migrate import upgrade

    skillhub = bootstrap(settings)
    try:
        skillhub.check()
        report = upgrade(skillhub.resources.engine, skillhub.resources.db)
        if report.changed and not quiet:
            # Counted, not listed: a first run creates some thirty collections and indexes (each in the log).
            for line in report.summary():
                say(line)
        skillhub.services.relay.relay()
        if report.needs_scores_built:
            # The migration could not read MongoDB: the leaderboard's figures are built here, once.
            skillhub.services.doctor.rebuild_scores()
            if not quiet:
                say("Leaderboard: figures built from both databases")
        credentials = seed_demo(skillhub)
    except BaseException:
        skillhub.close()
        raise
    if credentials is not None:
        say(credentials.banner())
    return skillhub
