"""Snapshot tests of the Workshops section: fixed clock (Sunday 22 November 2026, 09:00 UTC),
seeded people and workshops, no cursor blink, no animation.

Review every changed SVG before accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

from textual.pilot import Pilot

from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import Workshop
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import learners, register, schedule
from tui.controllers.registrations import RegistrationsController
from tui.screens.registrations import RegistrationsScreen


def seed_workshops(services: Services, admin: Principal, trainer: Principal) -> Workshop:
    """Two trainers' upcoming workshops (one full with a waitlist), a past one and a cancelled one;
    returns the full one."""
    camille = make_user(services, "camille.martin@example.org", Role.TRAINER, "Camille Martin")
    people = learners(services)
    schedule(services, trainer, "Writing clean SQL", days=3, capacity=10)
    full = schedule(services, trainer, "Docker from zero", days=5, capacity=3, duration=240, place="Online")
    register(services, full, *people)
    schedule(services, camille, "Accessible web forms", days=10, capacity=15, duration=90)
    schedule(services, admin, "Public speaking for trainers", days=14, capacity=6, trainer=camille)
    schedule(services, camille, "Testing with pytest and real databases, fixtures included", days=21,
             capacity=20, place=None)
    dropped = schedule(services, trainer, "MongoDB data modelling", days=28, capacity=12)
    services.workshops.cancel(trainer, dropped.id, "Trainer unavailable")
    return full


async def open_workshops(pilot: Pilot[None], email: str) -> None:
    await log_in(pilot, email)
    await pilot.press("2")
    await settle(pilot)


def test_workshops_list_empty(snap_compare, services: Services, trainer: Principal) -> None:
    """Workshops for Tom Trainer with no workshop at all: the toolbar (search field, "Upcoming",
    "By date", "Page 1 of 1 · 0 workshops"), the table header only (Date (UTC), Title, Trainer,
    Seats, Wait) and under it "No upcoming workshop yet. Press n to schedule one."; the footer
    shows New and greys Open, Edit, Cancel and "[] Page"."""

    async def empty(pilot: Pilot[None]) -> None:
        await open_workshops(pilot, "trainer@example.org")

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=empty)


def test_workshops_list_full(snap_compare, services: Services, admin: Principal, trainer: Principal) -> None:
    """Workshops for Ada Admin: "Page 1 of 1 · 5 workshops", the five upcoming ones soonest first
    from 2026-11-25 09:00; Docker from zero "3/3" with "3" waiting; the long pytest title cut with
    "…"; the cancelled MongoDB workshop is not listed; the cursor on the first row and the footer
    keys Open, New, Edit, Cancel enabled."""
    seed_workshops(services, admin, trainer)

    async def full(pilot: Pilot[None]) -> None:
        await open_workshops(pilot, "admin@example.org")

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=full)


def test_workshop_form_with_errors(snap_compare, services: Services, admin: Principal, trainer: Principal) -> None:
    """The New workshop dialog after Ada Admin saves it empty: red lines under Title ("Title must
    be at least 3 characters"), Trainer ("Choose a trainer"), Start ("Start must be a date and time
    like 2026-12-01 14:00"), Duration and Capacity ("… must be a whole number"); Place and
    Description have none; the Title field has the focus."""

    async def empty_form(pilot: Pilot[None]) -> None:
        await open_workshops(pilot, "admin@example.org")
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=empty_form)


def test_registrations_screen_with_a_waitlist(snap_compare, services: Services, admin: Principal,
                                              trainer: Principal) -> None:
    """Registrations of Docker from zero at 120x40, on its Waitlist tab: the heading (Tom Trainer,
    Fri 27 Nov 2026 09:00–13:00 UTC (240 min) · Online; "Seats 3 of 3 taken · 0 left · 2 on the
    waitlist"), the tabs "Confirmed 3  Waitlist 2  Cancelled 1  Comments 1", the waitlist in order
    (1 Emma Petit, 2 Hugo Durand: Nathan Richard was promoted when Lea Dubois's registration was
    cancelled), and below, the history of Emma Petit ("waitlisted  by emma.petit@example.org")."""
    full = seed_workshops(services, admin, trainer)
    lea = services.users.list(admin, PageRequest(1, 5), search="lea.dubois").items[0]
    services.registrations.cancel(trainer, full.id, lea.id, "Moved to the March session")
    services.registrations.add_comment(trainer, full.id, '[bold]Bring laptops[/bold] with Docker {"$ne": ""}')

    async def waitlist(pilot: Pilot[None]) -> None:
        await open_workshops(pilot, "trainer@example.org")
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(120, 40), run_before=waitlist)


def test_learner_refused_the_registrations_screen(snap_compare, services: Services, admin: Principal,
                                                 trainer: Principal) -> None:
    """Lea Dubois (a learner) pushed onto the registrations screen of Docker from zero: the title
    line says "Not allowed" in red, then "Only trainers and admins may see registrations." and
    "Press escape to go back."; no list, no learner's name; the footer greys Register, Cancel,
    Attendance and Comment."""
    full = seed_workshops(services, admin, trainer)

    async def refused(pilot: Pilot[None]) -> None:
        await log_in(pilot, "lea.dubois@example.org")
        app = pilot.app
        app.push_screen(RegistrationsScreen(RegistrationsController(services.registrations,
                                                                    app.context.principal, full.id)))
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=refused)
