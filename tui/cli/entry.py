"""`main`: parse the command line, load the settings, run one command, turn its errors into one line.

Every error a person can cause or meet prints one line and exits non-zero (see
`tui.cli.exit_codes`), never a traceback. Every process logs to `$SKILLHUB_LOG_DIR/skillhub.log`;
an unexpected error is logged there with its traceback and an id, and the one line names the id
(`-v` adds the traceback).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

import tui.cli.backup as backup
import tui.cli.db as db
import tui.cli.doctor as doctor
import tui.cli.dumps as dumps
import tui.cli.embedded as embedded
import tui.cli.outbox as outbox
import tui.cli.run as run
import tui.cli.ssh as ssh
import tui.cli.users as users
from domain.config import load_settings
from domain.errors import ConfigError, FormErrors, SkillHubError
from domain.infrastructure.directories import DATA_DIR_SETTING, ensure_directory
from domain.infrastructure.logfile import LogSetup, configure_logging, first_line, log_unexpected
from tui.cli.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE
from tui.cli.parser import PARSER_DEST, CommandParser

# The command groups, in the order `skillhub --help` lists them; each adds its sub-commands.
COMMAND_GROUPS = (run, db, users, embedded, outbox, backup, doctor, dumps, ssh)

EXAMPLES = """examples:
  skillhub                      open the TUI (starts the embedded databases on first use)
  skillhub db upgrade           migrate PostgreSQL and initialise MongoDB
  skillhub backup --list        the archives of SKILLHUB_BACKUP_DIR
  skillhub COMMAND --help       one command's options and examples"""


def build_parser() -> argparse.ArgumentParser:
    """The whole `skillhub` command line (imports no database driver: the commands do, when run)."""
    parser = CommandParser(prog="skillhub", description="SkillHub: workshops, progress and badges, from the terminal.",
                           epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log details to stderr too, and the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", parser_class=CommandParser, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Reported against the sub-command they were given to, so the line names its help.
        owner: argparse.ArgumentParser = getattr(args, PARSER_DEST, parser)
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """The `skillhub` console script: its exit status."""
    parser = build_parser()
    args = _parse(parser, argv)
    if getattr(args, "func", None) is None:
        args.func = run.cmd_run
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
        return EXIT_INTERRUPTED
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
