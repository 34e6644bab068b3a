"""Every refused key says why: a greyed key, pressed, gives one line with the reason; help gives it too."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.pilot import Pilot
from textual.widgets import Input, Static

from domain.clock import fixed_clock
from domain.models.users import Principal, Role
from domain.services.container import Services
from domain.services.workshop_rules import (
    ALREADY_TOOK_PLACE,
    CLOSED_CANCELLED,
    CLOSED_STARTED,
    EDIT_CANCELLED,
    HAS_REGISTRATIONS,
    STARTED_ASK_TRAINER,
)
from tests.conftest import NOW, make_user, with_clock
from tests.tui.conftest import log_in, settle
from tests.tui.workshops_data import learners, register, schedule
from tui.app import SkillHubApp
from tui.refusals import reason_for, refused_key
from tui.screens.catalog import CatalogScreen
from tui.screens.help import HelpScreen
from tui.screens.register_learner import RegisterLearnerDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.workshops import WorkshopsScreen

SIZE = (100, 30)


def refusals(app: SkillHubApp) -> list[tuple[str, str]]:
    """The warnings shown for greyed keys: (title, message)."""
    return [(n.title, n.message) for n in app._notifications if n.severity == "warning"]


def later_app(services: Services, at: datetime) -> SkillHubApp:
    """The app and its services seen at `at`."""
    app = SkillHubApp(with_clock(services, at), clock=fixed_clock(at), cursor_blink=False)
    app.animation_level = "none"
    return app


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def select_title(screen: WorkshopsScreen | CatalogScreen, title: str) -> None:
    screen.table.move_cursor(row=[row.title for row in screen.rows].index(title))


def assert_every_greyed_key_says_why(app: SkillHubApp) -> None:
    """On the current screen, each greyed key has its own reason (not the generic fallback)."""
    for key, active in app.screen.active_bindings.items():
        if not active.enabled:
            refusal = refused_key(app.screen, key)
            assert refusal is not None and not refusal.why.endswith("is not available now."), (key, active)


async def test_trainer_is_told_why_delete_edit_cancel_and_open_do_nothing(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    olga = make_user(services, "olga@example.org", Role.TRAINER, "Olga Other")
    (lea,) = learners(services, 1)
    theirs = schedule(services, olga, "Olga's workshop", days=2)
    registered = schedule(services, trainer, "Registered once", days=3)
    register(services, registered, lea)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await press(pilot, "2")
        screen = app.screen
        assert isinstance(screen, WorkshopsScreen)

        select_title(screen, registered.title)
        await pilot.pause()
        assert_every_greyed_key_says_why(app)
        await press(pilot, "delete")
        assert app.screen is screen
        assert refusals(app) == [("Delete", HAS_REGISTRATIONS)]

        select_title(screen, theirs.title)
        await pilot.pause()
        assert_every_greyed_key_says_why(app)
        app.clear_notifications()
        await press(pilot, "e")
        await press(pilot, "x")
        await press(pilot, "enter")
        assert app.screen is screen
        assert refusals(app) == [
            ("Edit", "Olga Other runs this workshop: only they or an admin may edit it."),
            ("Cancel", "Olga Other runs this workshop: only they or an admin may cancel it."),
            ("Open", "Olga Other runs this workshop: only they or an admin may see its registrations."),
        ]

        # Help lists the same keys greyed, each with its reason in place of "not now".
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-screen-keys", Static).render())
        assert "Edit (Olga Other runs this workshop: only they or an admin may edit it.)" in " ".join(keys.split())
        assert "not now" not in keys


async def test_a_cancelled_or_past_workshop_says_why_it_cannot_be_edited_or_cancelled(
        services: Services, trainer: Principal) -> None:
    gone = schedule(services, trainer, "Room flooded", days=2)
    services.workshops.cancel(trainer, gone.id, "the room is flooded")
    over = schedule(services, trainer, "Already given", days=1)
    # A day and a half later the second workshop is over.
    app = later_app(services, NOW + timedelta(days=1, hours=12))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await press(pilot, "2")
        screen = app.screen
        assert isinstance(screen, WorkshopsScreen)
        screen.scope = screen.scope.__class__.CANCELLED
        screen.first_page()
        await settle(pilot)
        select_title(screen, gone.title)
        await press(pilot, "e")
        screen.scope = screen.scope.__class__.PAST
        screen.first_page()
        await settle(pilot)
        select_title(screen, over.title)
        await press(pilot, "x")
        assert refusals(app) == [("Edit", EDIT_CANCELLED), ("Cancel", ALREADY_TOOK_PLACE)]
    app.services.close()


async def test_learner_is_told_why_a_cancelled_or_started_workshop_takes_no_registration(
        services: Services, trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    gone = schedule(services, trainer, "Room flooded", days=3)
    register(services, gone, lea)
    services.workshops.cancel(trainer, gone.id, "the room is flooded")
    started = schedule(services, trainer, "Running now", days=1)
    register(services, started, lea)
    again = schedule(services, trainer, "Changed my mind", days=5)
    register(services, again, lea)
    services.registrations.cancel(lea, again.id)
    # An hour after the second workshop started.
    app = later_app(services, NOW + timedelta(days=1, hours=1))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "lea.dubois@example.org")
        await press(pilot, "2")
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        await press(pilot, "o")
        assert screen.showing_mine
        select_title(screen, gone.title)
        await pilot.pause()
        assert_every_greyed_key_says_why(app)
        await press(pilot, "r")
        select_title(screen, started.title)
        await press(pilot, "r")
        await press(pilot, "c")
        await press(pilot, "slash")
        assert refusals(app) == [
            ("Register", CLOSED_CANCELLED), ("Register", CLOSED_STARTED), ("Cancel", STARTED_ASK_TRAINER),
            ("Search", "Search and the free-seats filter are for the upcoming workshops: press o to go back to them."),
        ]
        # A registration cancelled on a workshop still open can be taken again from here.
        select_title(screen, again.title)
        await press(pilot, "r")
        assert f"Registered for {again.title}: seat confirmed." in [n.message for n in app._notifications]
    app.services.close()


async def test_enter_on_a_single_match_in_the_register_picker_registers_it_or_says_why(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    lea, lucas = learners(services, 2)
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    register(services, workshop, lea)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await press(pilot, "2")
        await press(pilot, "enter")
        assert isinstance(app.screen, RegistrationsScreen)
        await press(pilot, "r")
        picker = app.screen
        assert isinstance(picker, RegisterLearnerDialog)
        await press(pilot, *"dubois")
        await press(pilot, "enter")
        assert app.screen is picker
        assert str(picker.query_one("#picker-status", Static).render()) == (
            "Lea Dubois <lea.dubois@example.org> is already registered.")
        picker.query_one("#picker-search", Input).value = "lucas"
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, RegistrationsScreen)
        assert "Lucas Thomas registered: seat confirmed." in [n.message for n in app._notifications]


async def test_pages_and_an_empty_list_say_why_their_keys_do_nothing(
        app: SkillHubApp, services: Services, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await press(pilot, "7")
        assert_every_greyed_key_says_why(app)
        await press(pilot, "right_square_bracket")
        await press(pilot, "c")
        assert refusals(app) == [("Next page", "Everything is on this page."),
                                 ("Clear", "No filter to clear: / filters by actor, f by action.")]
        await press(pilot, "2")
        assert_every_greyed_key_says_why(app)
        app.clear_notifications()
        await press(pilot, "e")
        assert refusals(app) == [("Edit", "There is no workshop on this list.")]
        assert reason_for(app.screen, "edit_workshop", ()) == "There is no workshop on this list."
