"""`skillhub doctor [--repair]`: does PostgreSQL agree with MongoDB? Fix it if asked.

Exit status: 0 when there is no drift (or none is left after --repair), 1 when drift
remains, so a cron job or a health check can act on it.
"""

from __future__ import annotations

import argparse

from domain.config import Settings
from domain.services.doctor import DoctorReport

EXIT_DRIFT = 1


def _print_findings(title: str, report: DoctorReport) -> None:
    if report.clean:
        print(f"{title}: no drift, PostgreSQL and MongoDB agree.")
        return
    print(f"{title}: {len(report.findings)} problem(s):")
    for line in report.lines():
        print(f"  - {line}")


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    """Report drift; with --repair, replay the outbox, fix what is left and report again."""
    from domain.infrastructure.migrate import current_revision, head_revision
    from tui.cli import _services

    skillhub = _services(settings)
    services = skillhub.services
    try:
        current, head = current_revision(skillhub.resources.engine), head_revision()
        if current != head:
            print(f"PostgreSQL schema is at {current or 'nothing'}, not {head}: run 'skillhub db upgrade' first.")
            return EXIT_DRIFT
        if not args.repair:
            report = services.doctor.check()
            _print_findings("Check", report)
            if not report.clean:
                print("Run 'skillhub doctor --repair' to fix it.")
            return 0 if report.clean else EXIT_DRIFT
        result = services.doctor.repair()
        _print_findings("Before repair", result.before)
        for action in result.actions:
            print(f"  * {action}")
        _print_findings("After repair", result.after)
        return 0 if result.after.clean else EXIT_DRIFT
    finally:
        skillhub.close()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `doctor` to the `skillhub` command."""
    parser = subparsers.add_parser("doctor", help="check that PostgreSQL and MongoDB agree (--repair fixes drift)")
    parser.add_argument("--repair", action="store_true", help="replay the outbox and fix the drift found")
    parser.set_defaults(func=cmd_doctor)
