"""`skillhub doctor [--repair]`: does PostgreSQL agree with MongoDB? Fix it if asked.

Exit status: 0 when there is no drift (or none is left after --repair), EXIT_DRIFT when drift
remains, so a cron job or a health check can act on it.
"""

from __future__ import annotations

import argparse

from domain.config import Settings
from tui.cli.exit_codes import EXIT_DRIFT, EXIT_OK
from tui.cli.parser import Subcommands, add_command


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    """Report drift; with --repair, replay the outbox, fix what is left and report again."""
    from domain.infrastructure.migrate import current_revision, head_revision
    from tui.cli.output import print_findings
    from tui.cli.wiring import connected

    with connected(settings) as skillhub:
        services = skillhub.services
        current, head = current_revision(skillhub.resources.engine), head_revision()
        if current != head:
            print(f"PostgreSQL schema is at {current or 'nothing'}, not {head}: run 'skillhub db upgrade' first.")
            return EXIT_DRIFT
        if not args.repair:
            report = services.doctor.check()
            print_findings("Check", report)
            if not report.clean:
                print("Run 'skillhub doctor --repair' to fix it.")
            return EXIT_OK if report.clean else EXIT_DRIFT
        result = services.doctor.repair()
        print_findings("Before repair", result.before)
        for action in result.actions:
            print(f"  * {action}")
        print_findings("After repair", result.after)
        return EXIT_OK if result.after.clean else EXIT_DRIFT


def register(subparsers: Subcommands) -> None:
    """Add `doctor` to the `skillhub` command."""
    parser = add_command(
        subparsers, "doctor", "check that PostgreSQL and MongoDB agree (--repair fixes drift)",
        details="Compares seat counters with the registration ledger and MongoDB, looks for orphan or stale "
                "documents and pending outbox records. Exit status 1 while drift remains.",
        examples=["skillhub doctor", "skillhub doctor --repair"], handler=cmd_doctor,
    )
    parser.add_argument("--repair", action="store_true", help="replay the outbox and fix the drift found")
