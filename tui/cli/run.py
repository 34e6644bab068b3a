"""`skillhub run` (the default: open the TUI) and `skillhub prepare` (everything run does before)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from domain.config import Settings
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.output import print_lines
from tui.cli.parser import Subcommands, add_command

if TYPE_CHECKING:
    from domain.bootstrap import SkillHub
    from domain.services.container import Services


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """The login screen at once; servers, schema, demo data and the services are prepared behind it."""
    from tui.startup import ServicesStartup
    from tui.terminal import run_quietly

    opened: list[SkillHub] = []
    said: list[str] = []

    def prepare_services() -> Services:
        # Runs in the app's worker, after its first frame: the database libraries load here.
        from tui.cli.wiring import prepare

        skillhub = prepare(settings, say=said.append)
        opened.append(skillhub)
        return skillhub.services

    startup = ServicesStartup(prepare_services)
    try:
        crash_id = run_quietly(startup, args.logs)
    finally:
        # Quit before the start had ended: let it end (servers half started would be left
        # so), then close what it opened.
        startup.settle()
        for skillhub in opened:
            skillhub.close()
    # What preparing had to say (the migrations applied, a first run's demo credentials) is
    # printed once the terminal is the shell's again: while the TUI ran, it went nowhere.
    print_lines(said)
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
