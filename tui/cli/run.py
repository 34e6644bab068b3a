"""`skillhub run` (the default: open the TUI) and `skillhub prepare` (everything run does before)."""

from __future__ import annotations

import argparse
import sys

from domain.config import Settings
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.parser import Subcommands, add_command


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from domain.devdata.seed import demo_accounts_file
    from tui.cli.wiring import prepare
    from tui.controllers.login import DemoAccounts
    from tui.terminal import run_quietly

    skillhub = prepare(settings)
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
    return EXIT_OK


def cmd_prepare(settings: Settings, args: argparse.Namespace) -> int:
    from tui.cli.wiring import prepare

    prepare(settings).close()
    return EXIT_OK


def register(subparsers: Subcommands) -> None:
    """Add `run` and `prepare` to the `skillhub` command."""
    add_command(subparsers, "run", "open the TUI (the default): start servers, migrate, seed demo data",
                examples=["skillhub run", "SKILLHUB_DATA_DIR=/tmp/try skillhub"], handler=cmd_run)
    add_command(subparsers, "prepare",
                "what run does before opening the TUI: start servers, migrate, seed demo data, replay the outbox",
                details="For scripts and containers: the TUI then starts at once, and the demo credentials "
                        "(first run only) are printed here.",
                examples=["skillhub prepare"], handler=cmd_prepare)
