"""`skillhub outbox replay`: apply pending PostgreSQL→MongoDB outbox records."""

from __future__ import annotations

import argparse
import sys

from domain.config import Settings
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.parser import Subcommands, add_command


def cmd_outbox_replay(settings: Settings, args: argparse.Namespace) -> int:
    from tui.cli.wiring import open_services

    with open_services(settings) as services:
        result = services.relay.relay()
        print(f"Outbox: {result.applied} record(s) applied, {result.pending} pending.")
        if result.error:
            print(f"skillhub: {result.error}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_OK


def register(subparsers: Subcommands) -> None:
    """Add `outbox replay` to the `skillhub` command."""
    outbox = add_command(subparsers, "outbox", "the PostgreSQL→MongoDB outbox",
                         details="Records left pending (MongoDB was down) are also replayed at each start-up "
                                 "and by 'skillhub doctor --repair'.",
                         examples=["skillhub outbox replay"], handler=cmd_outbox_replay)
    outbox.add_argument("action", choices=["replay"])
