"""Snapshot tests of the learner's workshop detail: fixed clock (Sunday 22 November 2026, 09:00 UTC),
seeded people and workshops, no cursor blink, no animation.

Review every changed SVG before accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from domain.models.users import Principal
from domain.models.workshops import WorkshopInput
from domain.services.container import Services
from tests.conftest import NOW
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import learners, register, schedule

DESCRIPTION = ("Images, volumes and networks from the first `docker run` to a Compose file for a web app "
               "and its database. Bring a laptop with Docker installed; [bold]markup[/] stays as typed.")


def seed_waitlisted_learner(services: Services, trainer: Principal) -> Principal:
    """"Docker from zero" on 2026-11-24 09:00 for 4 hours, Online, 3 seats taken by three learners;
    the fourth, Nathan Richard, is second on the waitlist behind Emma Petit."""
    people = learners(services)
    full = services.workshops.create(trainer, WorkshopInput(
        title="Docker from zero", trainer_id=trainer.user_id, starts_at=NOW.replace(day=24), duration_minutes=240,
        capacity=3, description=DESCRIPTION, place="Online"))
    register(services, full, people[0], people[1], people[2], people[4], people[3])
    schedule(services, trainer, "Writing clean SQL", days=3, capacity=10)
    return people[3]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_learner_workshop_detail(snap_compare, services: Services, trainer: Principal,
                                 size: tuple[int, int]) -> None:
    """Nathan Richard opens "Docker from zero" from the catalogue (enter on its row): the header
    "Workshop — Docker from zero", the title in bold, then When "2026-11-24 09:00 to 13:00 UTC",
    Duration "4 h", Place "Online", Trainer "Tom Trainer", Seats "full (3 seats) · 2 on the
    waitlist", the line "You are on the waitlist, #2." and the description with its `[bold]markup[/]`
    as typed, wrapped to the width; the footer shows "c Cancel my registration" and greys Register."""
    nathan = seed_waitlisted_learner(services, trainer)

    async def open_detail(pilot: Pilot[None]) -> None:
        await log_in(pilot, nathan.email)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=size, run_before=open_detail)
