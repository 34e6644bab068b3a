"""Snapshots of bulk selection and batches (issue 14): fixed clock (Sunday 22 November 2026, 09:00 UTC),
seeded people and workshops, no cursor blink, no animation.

Review every changed SVG before accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

from textual.pilot import Pilot

from domain.clock import fixed_clock
from domain.models.users import Principal
from domain.services.container import Services
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import learners, register, schedule


def test_a_batch_opened_in_the_activity_log(snap_compare, services: Services, admin: Principal,
                                            trainer: Principal) -> None:
    """Activity log for Ada Admin: the first line is the batch "▾ registration.attendance ×3" by
    trainer@example.org at 2026-11-25 09:00, opened: three lines "  └ registration.attendance" follow
    it, each with its learner_id and "present=1"; below them the single entries (registration.create,
    workshop.create, user.create) one line each. Under the table the highlighted batch's line
    "A batch of 3 rows: enter closes it, u undoes it all (or the row under the cursor once open).".
    No batch id is shown (it is random)."""
    people = learners(services, 3)
    workshop = schedule(services, trainer, "Knife skills", 3)
    register(services, workshop, *people)
    services.bulk.with_clock(fixed_clock(workshop.starts_at)).mark_attendance(
        trainer, workshop.id, [p.user_id for p in people], "present")

    async def open_batch(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=open_batch)


def test_selected_learners_on_the_registrations_screen(snap_compare, services: Services, trainer: Principal) -> None:
    """Registrations of "Docker from zero" for Tom Trainer: on the Confirmed list, Lea Dubois and
    Chloe Robert start with "✓ " (the mark needs no colour), Lucas Thomas does not; the status line
    above the footer reads "✓ 2 learners selected · escape clears"."""
    people = learners(services, 4)
    workshop = schedule(services, trainer, "Docker from zero", 5, capacity=3)
    register(services, workshop, *people)

    async def select_two(pilot: Pilot[None]) -> None:
        await log_in(pilot, "trainer@example.org")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # Away and back: the tab underline is then drawn under the counted label ("Confirmed 3"),
        # not left at the width of the label before the sheet loaded.
        await pilot.press("tab")
        await settle(pilot)
        await pilot.press("shift+tab")
        await settle(pilot)
        await pilot.press("space", "down", "down", "space")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=select_two)
