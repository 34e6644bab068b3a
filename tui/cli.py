"""The `skillhub` command: opens the TUI, and the commands an operator runs in a shell.

Every error a person can cause or meet prints one line and exits non-zero:
2 for configuration and usage errors, 1 for everything else, never a traceback.
Every process logs to `$SKILLHUB_LOG_DIR/skillhub.log`; an unexpected error is logged there
with its traceback and an id, and the one line names the id (`-v` adds the traceback).
"""

from __future__ import annotations

import argparse
import getpass
import sys
import traceback
from collections.abc import Callable, Sequence

from domain.config import Settings, load_settings
from domain.errors import ConfigError, FormErrors, SkillHubError
from domain.models.users import SYSTEM
from domain.bootstrap import SkillHub, bootstrap
from domain.infrastructure.logfile import LogSetup, configure_logging, first_line, log_unexpected
from domain.infrastructure.directories import DATA_DIR_SETTING, ensure_directory
from tui.commands import backup as backup_commands

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"skillhub: {message} (see 'skillhub --help')\n")


def _services(settings: Settings) -> SkillHub:
    """The bootstrap of a command: servers started if embedded, both databases answering."""
    skillhub = bootstrap(settings)
    skillhub.check()
    return skillhub


def _prepare(settings: Settings, quiet: bool = False) -> SkillHub:
    """Start servers if embedded, migrate, seed demo data on first use, replay the outbox."""
    from domain.devdata.seed import seed_demo
    from domain.infrastructure.migrate import upgrade

    skillhub = _services(settings)
    report = upgrade(skillhub.resources.engine, skillhub.resources.db)
    if report.changed and not quiet:
        for line in report.summary():
            print(line)
    skillhub.services.relay.relay()
    credentials = seed_demo(skillhub)
    if credentials is not None:
        print(credentials.banner())
    return skillhub


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from domain.devdata.seed import demo_accounts_file
    from tui.controllers.login import DemoAccounts
    from tui.terminal import run_quietly

    skillhub = _prepare(settings)
    # Until someone logs in, the login screen says where the demo credentials are.
    found = demo_accounts_file(settings.data_dir)
    demo = DemoAccounts(str(found[0]), found[1]) if found else None
    try:
        crash_id = run_quietly(skillhub.services, args.logs, demo)
    finally:
        skillhub.close()
    if crash_id is not None:
        print(f"skillhub: the TUI stopped on an unexpected error (error id {crash_id}, logged in {args.logs.path})",
              file=sys.stderr)
        return EXIT_ERROR
    return 0


def cmd_prepare(settings: Settings, args: argparse.Namespace) -> int:
    _prepare(settings).close()
    return 0


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.migrate import upgrade

    with _services(settings) as skillhub:
        for line in upgrade(skillhub.resources.engine, skillhub.resources.db).lines():
            print(line)
    return 0


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.migrate import current_revision, head_revision

    with _services(settings) as skillhub:
        current, head = current_revision(skillhub.resources.engine), head_revision()
        print(f"PostgreSQL revision: {current or 'none'} (head: {head})")
    return 0 if current == head else EXIT_ERROR


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
    with _services(settings) as skillhub:
        _require_schema(skillhub)
        password = _read_password(args)
        user = skillhub.services.users.create(SYSTEM, args.email, args.name, args.role, password)
        print(f"Created {user.role.value} {user.email} (id {user.id}).")
    return 0


def cmd_embedded(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.embedded import EmbeddedServers

    servers = EmbeddedServers(settings.data_dir)
    if args.action == "start":
        servers.ensure_started(need_postgres=settings.database_url is None, need_mongo=settings.mongo_url is None)
        args.action = "status"
    if args.action == "status":
        if not settings.embedded:
            print("DATABASE_URL and MONGO_URL are set: no embedded server is used.")
        for status in servers.status():
            state = f"running, pid {status.pid}, 127.0.0.1:{status.port}" if status.running else "stopped"
            print(f"{status.name}: {state}  (data: {status.data_path})")
        return 0
    for name, was_running in servers.stop():
        print(f"{name}: {'stopped' if was_running else 'was not running'}")
    return 0


def cmd_outbox_replay(settings: Settings, args: argparse.Namespace) -> int:
    with _services(settings) as skillhub:
        result = skillhub.services.relay.relay()
        print(f"Outbox: {result.applied} record(s) applied, {result.pending} pending.")
        if result.error:
            print(f"skillhub: {result.error}", file=sys.stderr)
            return EXIT_ERROR
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="skillhub", description="SkillHub: workshops, progress and badges, from the terminal.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log details to stderr too, and the traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("run", help="open the TUI (the default): start servers, migrate, seed demo data")
    p.set_defaults(func=cmd_run)

    sub.add_parser(
        "prepare", help="what run does before opening the TUI: start servers, migrate, seed demo data, replay the outbox"
    ).set_defaults(func=cmd_prepare)

    db = sub.add_parser("db", help="schema: PostgreSQL migrations and MongoDB init")
    db_sub = db.add_subparsers(dest="db_command", parser_class=_Parser, metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply Alembic migrations and MongoDB init (idempotent)").set_defaults(
        func=cmd_db_upgrade
    )
    db_sub.add_parser("current", help="show the PostgreSQL schema revision").set_defaults(func=cmd_db_current)

    user = sub.add_parser("user", help="manage accounts from the shell")
    user_sub = user.add_subparsers(dest="user_command", parser_class=_Parser, metavar="ACTION", required=True)
    create = user_sub.add_parser("create", help="create an account (password from a prompt or stdin)")
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=["admin", "trainer", "learner"])
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    create.set_defaults(func=cmd_user_create)

    emb = sub.add_parser("embedded", help="the embedded PostgreSQL and MongoDB wire servers")
    emb.add_argument("action", choices=["status", "start", "stop"])
    emb.set_defaults(func=cmd_embedded)

    outbox = sub.add_parser("outbox", help="the PostgreSQL→MongoDB outbox")
    outbox.add_argument("action", choices=["replay"])
    outbox.set_defaults(func=cmd_outbox_replay)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


# Modules add their sub-commands here (doctor, dumps, backup …) without touching main().
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []
EXTRA_COMMANDS.append(backup_commands.register)


def _add_module_commands() -> None:
    from tui.commands import doctor, dumps, ssh

    EXTRA_COMMANDS.append(doctor.register)
    EXTRA_COMMANDS.append(dumps.register)
    EXTRA_COMMANDS.append(ssh.register)


_add_module_commands()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = cmd_run
    args.logs = None
    try:
        settings = load_settings()
        if settings.logs_dir.is_relative_to(settings.data_dir):
            # The default log directory lies in the data directory: name the one that is in the way.
            ensure_directory(settings.data_dir, DATA_DIR_SETTING)
        args.logs = configure_logging(settings.logs_dir, verbose=args.verbose, terminal=sys.stderr)
        return int(args.func(settings, args) or 0)
    except ConfigError as exc:
        print(f"skillhub: configuration error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except FormErrors as exc:
        print("skillhub: " + "; ".join(exc.errors.values()), file=sys.stderr)
        return EXIT_ERROR
    except SkillHubError as exc:
        print(f"skillhub: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("skillhub: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        print(f"skillhub: unexpected error: {exc.__class__.__name__}: {first_line(exc)}{_logged(exc, args)}",
              file=sys.stderr)
        if args.verbose:
            traceback.print_exception(exc, file=sys.stderr)
        return EXIT_ERROR
    finally:
        if args.logs is not None:
            args.logs.close()


def _logged(error: Exception, args: argparse.Namespace) -> str:
    """Log an unexpected error of the command; say where (its id and the log file)."""
    logs: LogSetup | None = args.logs
    if logs is None:
        return ""
    command = getattr(args, "command", None) or "run"
    error_id = log_unexpected(error, f"in 'skillhub {command}'")
    return f" (error id {error_id}, logged in {logs.path})"


if __name__ == "__main__":
    sys.exit(main())
