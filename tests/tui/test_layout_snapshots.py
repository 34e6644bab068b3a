"""Snapshots of issue 13's layouts at 80x24 and 120x40: the Workshops list with long titles, the
Activity log, a dialog's footer and the too-small notice. Fixed clock (Sunday 22 November 2026,
09:00 UTC), seeded data, no cursor blink, no animation.

Review every changed SVG before accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import schedule

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def seed(services: Services, admin: Principal, trainer: Principal) -> None:
    camille = make_user(services, "camille.martin@example.org", Role.TRAINER, "Camille Martin")
    schedule(services, trainer, "Writing clean SQL", days=3)
    schedule(services, trainer, "Advanced PostgreSQL query planning and indexing for data analysts", days=4,
             capacity=12)
    schedule(services, admin, "Introduction to accessible design systems with Textual and Rich for terminal apps",
             days=6, capacity=15, trainer=camille)
    schedule(services, camille, "Docker from zero", days=8, capacity=4)


async def open_section(pilot: Pilot[None], key: str) -> None:
    await log_in(pilot, "admin@example.org")
    await pilot.press(key)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_workshops_with_long_titles(snap_compare, services: Services, admin: Principal, trainer: Principal,
                                    size: tuple[int, int]) -> None:
    """Workshops for Ada Admin with two long titles. At 120x40 both titles are whole (81 and 66
    characters) beside Trainer, Seats and Wait; at 80x24 they end with "…" while the date, the
    trainer's full name, the seats and the wait stay readable, with no sideways scrollbar. The
    footer shows ⏎ Open, n New, e Edit, x Cancel, del Delete, / Search, f Filter, o Sort and ? Help
    (at 120 also the pages, i Full row, esc Back, ^l Log out)."""
    seed(services, admin, trainer)

    async def run(pilot: Pilot[None]) -> None:
        await open_section(pilot, "2")

    assert snap_compare(build_app(services), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_activity_log(snap_compare, services: Services, admin: Principal, trainer: Principal,
                      size: tuple[int, int]) -> None:
    """The Activity log after four workshops were scheduled, newest first. At 120x40 the actors
    and entities are whole and Details ends with "…"; at 80x24 Actor (about 15 columns) and
    Details are cut with "…" while When, Action and Entity stay whole, with no sideways
    scrollbar. Under the table the highlighted entry in full: "camille.martin@example.org ·
    workshop.create · workshop 4", then "starts_at=2026-11-30T09:00:00+00:00, title=Docker from
    zero". The footer: / Actor, f Action, c Clear, [] Page, i Full row, ? Help, esc Back, ^l Log
    out, ^q Quit."""
    seed(services, admin, trainer)

    async def run(pilot: Pilot[None]) -> None:
        await open_section(pilot, "7")

    assert snap_compare(build_app(services), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_dialog_footer(snap_compare, services: Services, admin: Principal, size: tuple[int, int]) -> None:
    """The New workshop dialog over the empty Workshops list: its footer shows the dialog's keys,
    "^s Save esc Cancel", none of the list's (n New, e Edit, x Cancel…; `?` types into the
    focused Title field, so help is not offered); the Save (ctrl+s) and Cancel (esc) buttons
    are inside the dialog."""

    async def run(pilot: Pilot[None]) -> None:
        await open_section(pilot, "2")
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", [pytest.param((60, 20), id="60x20"), pytest.param((79, 40), id="79x40")])
def test_too_small_notice(snap_compare, services: Services, size: tuple[int, int]) -> None:
    """A terminal below 80x24: only the notice, centred, "SkillHub needs at least 80×24 — now
    60×20" (or "now 79×40"), and under it "Enlarge the terminal to go on, or ctrl+q to quit."."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=size, run_before=run)
