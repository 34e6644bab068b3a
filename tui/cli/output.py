"""What several commands print the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.services.doctor import DoctorReport


def print_lines(lines: Iterable[str]) -> None:
    """Print a report's lines (`report.lines()`) to stdout, one per line."""
    for line in lines:
        print(line)


def print_findings(title: str, report: DoctorReport) -> None:
    """The doctor's drift report: one line when clean, else the count and one line per problem."""
    if report.clean:
        print(f"{title}: no drift, PostgreSQL and MongoDB agree.")
        return
    print(f"{title}: {len(report.findings)} problem(s):")
    for line in report.lines():
        print(f"  - {line}")
