"""`skillhub user create EMAIL --role ROLE --name NAME [--password-stdin]`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from domain.config import Settings
from domain.errors import ConfigError, SkillHubError
from tui.cli.exit_codes import EXIT_OK
from tui.cli.parser import Subcommands, add_actions, add_command

if TYPE_CHECKING:
    from domain.bootstrap import SkillHub


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to prompt for the password: use --password-stdin")
    first = getpass.getpass("Password (12 to 72 bytes): ")
    if getpass.getpass("Repeat password: ") != first:
        raise SkillHubError("the two passwords differ")
    return first


def _require_schema(skillhub: SkillHub) -> None:
    """Refuse to work on a database whose schema `skillhub db upgrade` has not brought to head."""
    from domain.infrastructure.migrate import current_revision, head_revision

    current, head = current_revision(skillhub.resources.engine), head_revision()
    if current != head:
        raise SkillHubError(
            f"the PostgreSQL schema is at revision {current or 'none'}, not {head}: run 'skillhub db upgrade' first"
        )


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    from domain.models.users import SYSTEM
    from tui.cli.wiring import connected

    with connected(settings) as skillhub:
        _require_schema(skillhub)
        password = _read_password(args)
        user = skillhub.services.users.create(SYSTEM, args.email, args.name, args.role, password)
        print(f"Created {user.role.value} {user.email} (id {user.id}).")
    return EXIT_OK


def register(subparsers: Subcommands) -> None:
    """Add `user create` to the `skillhub` command."""
    user = add_command(subparsers, "user", "manage accounts from the shell",
                       examples=["skillhub user create ada@example.org --role trainer --name 'Ada Lovelace'"])
    actions = add_actions(user, "user_command")
    create = add_command(
        actions, "create", "create an account (password from a prompt or stdin)",
        details="The password is 12 to 72 bytes; it is asked twice on a terminal, or read from the first "
                "line of stdin with --password-stdin.",
        examples=["skillhub user create ada@example.org --role trainer --name 'Ada Lovelace'",
                  "printf '%s\\n' \"$PASSWORD\" | skillhub user create bob@example.org --role learner "
                  "--name Bob --password-stdin"],
        handler=cmd_user_create,
    )
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=["admin", "trainer", "learner"])
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
