"""`skillhub db upgrade | current`: PostgreSQL migrations and MongoDB init."""

from __future__ import annotations

import argparse

from domain.config import Settings
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.parser import Subcommands, add_actions, add_command


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.migrate import upgrade
    from tui.cli.output import print_lines
    from tui.cli.wiring import connected

    with connected(settings) as skillhub:
        print_lines(upgrade(skillhub.resources.engine, skillhub.resources.db).lines())
    return EXIT_OK


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.migrate import current_revision, head_revision
    from tui.cli.wiring import connected

    with connected(settings) as skillhub:
        current, head = current_revision(skillhub.resources.engine), head_revision()
        print(f"PostgreSQL revision: {current or 'none'} (head: {head})")
    return EXIT_OK if current == head else EXIT_ERROR


def register(subparsers: Subcommands) -> None:
    """Add `db upgrade` and `db current` to the `skillhub` command."""
    db = add_command(subparsers, "db", "schema: PostgreSQL migrations and MongoDB init",
                     examples=["skillhub db upgrade", "skillhub db current"])
    actions = add_actions(db, "db_command")
    add_command(actions, "upgrade", "apply Alembic migrations and MongoDB init (idempotent)",
                details="Creates the MongoDB collections, validators and indexes too; a no-op the second time.",
                examples=["skillhub db upgrade"], handler=cmd_db_upgrade)
    add_command(actions, "current", "show the PostgreSQL schema revision (exit 1 when it is not the head)",
                examples=["skillhub db current"], handler=cmd_db_current)
