"""Text is text, everywhere: what people and databases supply is shown as written, markup included.

Toasts are drawn only when `run_test(notifications=True)`: without it a toast that would
crash the app never renders, which is how `Sort [/] waste` went unnoticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, SelectionList

from domain.models.progress import Challenge
from domain.models.users import Principal, Role
from domain.models.workshops import Workshop, WorkshopInput
from domain.services.container import Services
from tests.conftest import NOW, make_user
from tests.ops.helpers import ticking_clock
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.literal_helpers import MARKUP, assert_shown, hostile
from tests.tui.test_backups_screen import use_backups
from tests.tui.test_refusals import assert_every_greyed_key_says_why
from tui.controllers.choices import shorten
from tui.controllers.workshops import clip, when
from tui.screens.attendance import AttendanceDialog
from tui.screens.catalog import CatalogScreen
from tui.screens.comment import CommentDialog
from tui.screens.comment_reader import CommentReader
from tui.screens.confirm import ConfirmDialog
from tui.screens.create_user import CreateUserDialog
from tui.screens.export import ExportDialog
from tui.screens.picker import PickerDialog
from tui.screens.progress import ProgressScreen
from tui.screens.reason import ReasonDialog
from tui.screens.register_learner import RegisterLearnerDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.step_dialog import StepDialog
from tui.screens.workshop_form import WorkshopFormDialog
from tui.screens.workshops import WorkshopsScreen
from tui.widgets.search_picker import SearchPicker

SIZE = (160, 50)
# How much of a long value a table shows at least at SIZE: tables cut the rest with "…" (FitTable).
TITLE_CELL, TRAINER_CELL, NAME_CELL, REASON_CELL, COMMENT_PREVIEW = 24, 14, 20, 16, 40
CATALOG_TITLE_CELL, MINE_TITLE_CELL = 22, 30


def cell_start(text: str, width: int) -> str:
    """The start of `text` a table cell of at least `width` cells shows as written."""
    return " ".join(text.split())[: width - 1]


def notes(app: object) -> list[tuple[str, bool]]:
    """Each notification's message and whether it was to be read as markup."""
    return [(n.message, n.markup) for n in app._notifications]  # type: ignore[attr-defined]


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press `keys`, wait for the screen; on the way, each greyed key of every screen must say why."""
    await pilot.press(*keys)
    await settle(pilot)
    assert_every_greyed_key_says_why(pilot.app)  # type: ignore[arg-type]


async def expand(pilot: Pilot[None], select: str) -> None:
    """Open a Select of the current screen, so that its list of options is drawn."""
    pilot.app.screen.query_one(select, Select).expanded = True
    await pilot.pause()


def assert_toast(app: object, message: str) -> None:
    """`message` was notified as plain text, and its toast shows it as written."""
    assert (message, False) in notes(app)
    assert_shown(app, message)  # type: ignore[arg-type]


async def create_user(pilot: Pilot[None], email: str, name: str) -> None:
    """On Users: n, fill the form, ctrl+s."""
    await press(pilot, "n")
    dialog = pilot.app.screen
    assert isinstance(dialog, CreateUserDialog)
    dialog.query_one("#new-email", Input).value = email
    dialog.query_one("#new-name", Input).value = name
    dialog.query_one("#new-password", Input).value = "a long enough password"
    await press(pilot, "ctrl+s")


async def test_a_learner_starts_a_challenge_titled_with_markup_and_the_app_keeps_running(
        services: Services, admin: Principal, learner: Principal) -> None:
    services.challenges.create(admin, "Sort [/] waste", "", "waste", 10, "easy")
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "learner@example.org")
        await press(pilot, "3")
        await press(pilot, "s")
        assert isinstance(app.screen, PickerDialog)
        assert_shown(app, "Sort [/] waste · waste · 10 pts")
        await press(pilot, "enter")
        assert isinstance(app.screen, ProgressScreen)
        assert notes(app) == [("Started “Sort [/] waste”.", False)]
        # The toast, the challenges table and the timeline show the title as written.
        assert_shown(app, "Started “Sort [/] waste”.", "Sort [/] waste")


async def test_a_name_in_brackets_keeps_its_brackets_in_the_toast(services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "admin@example.org")
        await press(pilot, "5")
        await create_user(pilot, "paul@example.org", "Paul [Intern]")
        assert notes(app) == [("Created learner Paul [Intern] <paul@example.org>.", False)]
        assert_shown(app, "User created", "Created learner Paul [Intern] <paul@example.org>.")


async def test_the_header_and_its_sub_title_show_a_name_and_a_title_as_written(services: Services) -> None:
    trainer = make_user(services, "trainer@example.org", Role.TRAINER, hostile("Trainer"))
    services.workshops.create(trainer, WorkshopInput(
        title=hostile("Workshop"), trainer_id=trainer.user_id, starts_at=NOW + timedelta(days=2),
        duration_minutes=60, capacity=5, description="", place=None))
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "trainer@example.org")
        assert app.sub_title == f"{hostile('Trainer')} · trainer"
        assert_shown(app, f"Home — {hostile('Trainer')} · trainer")
        await press(pilot, "2")
        await press(pilot, "enter")
        assert isinstance(app.screen, RegistrationsScreen)
        assert app.screen.sub_title == hostile("Workshop")
        assert_shown(app, f"Registrations — {hostile('Workshop')}", hostile("Workshop"), MARKUP)


# -- every field, every screen ------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Seed data whose every text field carries MARKUP (see `hostile_world`)."""

    admin: Principal
    trainer: Principal
    learner: Principal
    main: Workshop
    spare: Workshop
    doomed: Workshop
    olgas: Workshop
    done: Challenge
    fresh: Challenge
    going: Challenge
    redo: Challenge


def hostile_world(services: Services) -> World:
    """People, workshops, registrations, comments, challenges, badges and progress, all named with MARKUP.

    Names, emails' owners, titles, places, descriptions, cancellation reasons, comments,
    challenge titles, descriptions and sources, badge names and descriptions, reset and
    award reasons: each carries every piece of MARKUP, and the activity log records them.
    """
    admin = make_user(services, "admin@example.org", Role.ADMIN, hostile("Admin"))
    trainer = make_user(services, "trainer@example.org", Role.TRAINER, hostile("Trainer"))
    olga = make_user(services, "olga@example.org", Role.TRAINER, hostile("Olga"))
    learner, second, third, fourth = (make_user(services, f"{tag.lower()}@example.org", Role.LEARNER, hostile(tag))
                                      for tag in ("Learner", "Second", "Third", "Fourth"))

    def workshop(tag: str, days: int, by: Principal = trainer, capacity: int = 2,
                 starts_at: datetime | None = None) -> Workshop:
        return services.workshops.create(by, WorkshopInput(
            title=hostile(tag), trainer_id=by.user_id, starts_at=starts_at or NOW + timedelta(days=days),
            duration_minutes=90, capacity=capacity, description=hostile(f"{tag} about"),
            place=hostile(f"{tag} place")))

    # Starts in ten minutes: learners may still register, and attendance is already open.
    main = workshop("Workshop", 0, starts_at=NOW + timedelta(minutes=10))
    for person in (learner, second, third, fourth):
        services.registrations.register(person, main.id)
    services.registrations.cancel(trainer, main.id, fourth.user_id, hostile("Reason"))
    services.registrations.add_comment(trainer, main.id, hostile("Comment"))
    spare, doomed = workshop("Spare", 3), workshop("Doomed", 4)
    services.registrations.register(second, doomed.id)
    olgas = workshop("Olga's", 5, by=olga, capacity=10)
    gone = workshop("Gone", 6)
    services.registrations.register(learner, gone.id)
    services.workshops.cancel(trainer, gone.id, hostile("Cancelled"))

    def challenge(tag: str) -> Challenge:
        return services.challenges.create(admin, hostile(tag), hostile(f"{tag} text"), "waste", 10, "easy", "1.5",
                                          hostile(f"{tag} source"))

    done, redo, going, fresh = (challenge(tag) for tag in ("Done", "Redo", "Going", "Fresh"))
    services.badges.apply(admin, "first-steps", hostile("Badge"), hostile("Badge text"), "challenges_completed", 1,
                          None, 10, None)
    services.badges.apply(admin, "helper", hostile("Helper"), hostile("Helper text"), "challenges_completed", 5,
                          None, 5, None)
    for step in (done, redo, going):
        services.progress.start(learner, step.id)
    services.progress.complete(learner, done.id)
    services.progress.reset(trainer, learner.user_id, redo.id, hostile("Reset"))
    services.badges.award(trainer, "helper", learner.user_id, hostile("Award"))
    return World(admin, trainer, learner, main, spare, doomed, olgas, done, fresh, going, redo)


def move_to(table: DataTable[object], rows: Sequence[object], title: str) -> None:
    """Put the cursor of `table` on the row (of `rows`, in table order) whose title is `title`."""
    table.move_cursor(row=[row.title for row in rows].index(title))  # type: ignore[attr-defined]


async def test_a_learner_sees_every_name_and_title_as_written(services: Services) -> None:
    world = hostile_world(services)
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "learner@example.org")
        assert_shown(app, f"Home — {hostile('Learner')} · learner", f"{hostile('Learner')} <learner@example.org>")

        await press(pilot, "2")
        assert isinstance(app.screen, CatalogScreen)
        assert_shown(app, *(cell_start(w.title, CATALOG_TITLE_CELL) for w in (world.main, world.spare, world.olgas)),
                     cell_start(hostile("Trainer"), TRAINER_CELL), cell_start(hostile("Olga"), TRAINER_CELL))
        await press(pilot, "o")
        assert_shown(app, cell_start(world.main.title, MINE_TITLE_CELL), cell_start(hostile("Gone"), MINE_TITLE_CELL))
        await press(pilot, "o")
        catalog = app.screen
        move_to(catalog.table, catalog.rows, world.olgas.title)
        await press(pilot, "r")
        assert_toast(app, f"Registered for {world.olgas.title}: seat confirmed.")
        await press(pilot, "c")
        assert isinstance(app.screen, ConfirmDialog)
        assert_shown(app, f"Cancel your registration for {world.olgas.title}?")
        await press(pilot, "n")

        await press(pilot, "3")
        assert isinstance(app.screen, ProgressScreen)
        assert_shown(app, f"{hostile('Learner')} <learner@example.org>", f"● {hostile('Badge')} +10",
                     f"● {hostile('Helper')} +5",
                     *(shorten(c.title, 30) for c in (world.done, world.redo, world.going)),
                     shorten(world.redo.title, 24), shorten(hostile("Trainer"), 14), hostile("Reset"))
        await press(pilot, "s")
        assert isinstance(app.screen, PickerDialog)
        assert_shown(app, f"{world.fresh.title} · waste · 10 pts")
        await press(pilot, "enter")
        assert_toast(app, f"Started “{world.fresh.title}”.")
        progress = app.screen
        assert progress.view is not None
        move_to(progress.challenges_table, progress.view.challenges, world.going.title)
        await press(pilot, "u")
        assert isinstance(app.screen, StepDialog)
        assert_shown(app, f"How far are you in “{world.going.title}”? 100 completes it.")
        await press(pilot, "escape", "c")
        assert isinstance(app.screen, ConfirmDialog)
        assert_shown(app, f"Mark “{world.going.title}” as completed?")
        await press(pilot, "y")
        assert_toast(app, f"“{world.going.title}” completed: +10 points.")

        await press(pilot, "4")
        assert_shown(app, f"{shorten(hostile('Learner'), 24)} (you)", shorten(hostile("Second"), 24))


async def test_staff_see_every_workshop_registration_and_comment_as_written(services: Services) -> None:
    world = hostile_world(services)
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "admin@example.org")
        await press(pilot, "2")
        screen = app.screen
        assert isinstance(screen, WorkshopsScreen)
        assert_shown(app, cell_start(world.main.title, TITLE_CELL), cell_start(hostile("Trainer"), TRAINER_CELL),
                     cell_start(hostile("Olga"), TRAINER_CELL))

        # The form shows every value as typed, the trainer picker the trainer's name.
        move_to(screen.table, screen.rows, world.main.title)
        await press(pilot, "e")
        assert isinstance(app.screen, WorkshopFormDialog)
        assert app.screen.query_one("#workshop-title", Input).value == world.main.title
        assert app.screen.query_one("#workshop-place", Input).value == hostile("Workshop place")
        assert_shown(app, "Edit workshop", hostile("Trainer"))
        await expand(pilot, "#workshop-trainer")
        assert_shown(app, hostile("Olga"), hostile("Admin"))
        await press(pilot, "escape", "escape")

        # Delete: the question and the toast name the workshop.
        move_to(screen.table, screen.rows, world.spare.title)
        await press(pilot, "delete")
        label = f"{clip(world.spare.title, 60)} ({when(world.spare.starts_at)})"
        assert_shown(app, f"Delete {label}?")
        await press(pilot, "y")
        assert_toast(app, f"Deleted {label}.")

        # Cancel: the explanation, the reason typed, the question and the toast.
        move_to(screen.table, screen.rows, world.doomed.title)
        await press(pilot, "x")
        assert isinstance(app.screen, ReasonDialog)
        label = f"{clip(world.doomed.title, 60)} ({when(world.doomed.starts_at)})"
        assert_shown(app, f"{label} will be cancelled.")
        app.screen.query_one("#reason-input", Input).value = hostile("Why")
        await press(pilot, "enter")
        assert isinstance(app.screen, ConfirmDialog)
        assert_shown(app, f"Cancel {label}? Reason: {hostile('Why')}")
        await press(pilot, "y")
        assert_toast(app, f"Cancelled {world.doomed.title}; its registrations are cancelled too.\nPress u to undo.")

        # The registrations sheet: heading, the four lists, the detail panel and every dialog.
        move_to(screen.table, screen.rows, world.main.title)
        await press(pilot, "enter")
        sheet = app.screen
        assert isinstance(sheet, RegistrationsScreen)
        assert_shown(app, f"Registrations — {world.main.title}", world.main.title, hostile("Trainer"),
                     hostile("Workshop place"), cell_start(hostile("Learner"), NAME_CELL),
                     f"History of {hostile('Learner')}")
        await press(pilot, "r")
        assert isinstance(app.screen, RegisterLearnerDialog)
        assert_shown(app, f"Register a learner for {world.main.title}",
                     f"{hostile('Learner')} <learner@example.org> (already registered)")
        app.screen.query_one("#picker-search", Input).value = "fourth"
        await settle(pilot)
        await press(pilot, "down", "enter")
        assert_toast(app, f"The workshop is full: {hostile('Fourth')} is #2 on the waitlist.")
        await press(pilot, "tab")
        assert_shown(app, cell_start(hostile("Third"), NAME_CELL), f"History of {hostile('Third')}")
        await press(pilot, "c")
        assert isinstance(app.screen, ReasonDialog)
        assert_shown(app, f"{hostile('Third')} <third@example.org> will lose their registration.")
        await press(pilot, "escape", "tab")
        assert_shown(app, cell_start(hostile("Reason"), REASON_CELL), hostile("Reason"))
        await press(pilot, "tab")
        assert_shown(app, cell_start(hostile("Comment"), COMMENT_PREVIEW), f"Comment by {hostile('Trainer')}",
                     hostile("Comment"))
        await press(pilot, "enter")
        assert isinstance(app.screen, CommentReader)
        assert_shown(app, f"{hostile('Trainer')} · ", hostile("Comment"))
        await press(pilot, "escape", "m")
        assert isinstance(app.screen, CommentDialog)
        assert_shown(app, f"Comment on {world.main.title}")
        await press(pilot, "escape", "tab", "a")
        assert isinstance(app.screen, AttendanceDialog)
        # The list is narrower than the names: it shows their start, and holds them whole.
        learners = app.screen.query_one(SelectionList)
        assert sorted(str(learners.get_option_at_index(i).prompt) for i in range(learners.option_count)) == [
            f"{hostile('Learner')}  · not marked", f"{hostile('Second')}  · not marked"]
        assert_shown(app, f"▐☐▌ {MARKUP[:45]}")
        await press(pilot, "escape", "s")
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-path", Input).value = f"/nowhere {MARKUP}.csv"
        await press(pilot, "enter")
        assert_shown(app, "Paul [Intern]", "[@click=app.quit]x[/]", "does not exist")
        await press(pilot, "escape")
        await press(pilot, "question_mark")
        assert_shown(app, "Keys — Registrations")
        await press(pilot, "escape")
    assert app.return_code is None


async def test_staff_see_every_challenge_badge_and_person_as_written(services: Services) -> None:
    world = hostile_world(services)
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "admin@example.org")
        await press(pilot, "3")
        assert_shown(app, f"{hostile('Learner')} <learner@example.org>", f"{hostile('Second')} <second@example.org>")
        await press(pilot, "slash")
        app.screen.query_one(SearchPicker).query_one(Input).value = "learner@"
        await press(pilot, "enter")
        assert_shown(app, "1 shown")
        await press(pilot, "enter")
        progress = app.screen
        assert isinstance(progress, ProgressScreen) and progress.view is not None
        # The header holds the screen title and the user: at 160 columns it ends in an ellipsis.
        assert_shown(app, f"Progress · {hostile('Learner')} — Paul [Intern]",
                     f"{hostile('Learner')} <learner@example.org>", f"● {hostile('Badge')} +10",
                     shorten(world.done.title, 30), hostile("Reset"))

        # Record: the intro names the learner, the challenge picker shows titles as written.
        move_to(progress.challenges_table, progress.view.challenges, world.redo.title)
        await press(pilot, "u")
        assert isinstance(app.screen, StepDialog)
        assert_shown(app, f"Record {hostile('Learner')}'s progress", f"{world.redo.title} · waste · 10 pts")
        await expand(pilot, "#step-choice")
        assert_shown(app, f"{world.fresh.title} · waste · 10 pts", f"{world.going.title} · waste · 10 pts")
        await press(pilot, "escape")
        app.screen.query_one("#step-value", Input).value = "50"
        await press(pilot, "ctrl+s")
        assert_toast(app, f"Recorded: “{world.redo.title}” is at 50 %.")

        # Reset, award and revoke: their intros and badge pickers; an award's toast.
        await press(pilot, "z")
        assert_shown(app, f"Put “{world.redo.title}” back to 0 % for {hostile('Learner')}?")
        await press(pilot, "escape", "w")
        assert_shown(app, f"Award a badge to {hostile('Learner')} by hand")
        await expand(pilot, "#step-choice")
        assert_shown(app, f"{hostile('Helper')} · ")
        await press(pilot, "escape", "escape", "v")
        assert_shown(app, f"Revoke one of {hostile('Learner')}'s badges")
        app.screen.query_one("#step-choice", Select).value = "helper"
        app.screen.query_one("#step-value", Input).value = hostile("Revoke")
        await press(pilot, "ctrl+s")
        assert_toast(app, f"Revoked the badge {hostile('Helper')}: its 5 points no longer count.")
        await press(pilot, "question_mark")
        assert_shown(app, f"Keys — Progress · {hostile('Learner')}")
        await press(pilot, "escape", "escape")

        # The challenge catalogue, its form and the on/off toast.
        await press(pilot, "h")
        challenges = app.screen
        assert_shown(app, *(shorten(c.title, 30) for c in (world.done, world.fresh)))
        move_to(challenges.table, challenges.rows, world.fresh.title)
        await press(pilot, "e")
        assert_shown(app, f"Edit “{world.fresh.title}”")
        assert app.screen.query_one("#challenge-co2-source", Input).value == hostile("Fresh source")
        await press(pilot, "escape", "t")
        assert_toast(app, f"“{world.fresh.title}” is inactive: learners no longer see it.")
        await press(pilot, "escape")

        # Badges: the list, the detail, the form and a preview naming who loses the badge.
        await press(pilot, "b")
        assert_shown(app, shorten(hostile("Badge"), 24), f"first-steps, version 1: {hostile('Badge text')}")
        badges = app.screen
        badges.table.move_cursor(row=[r.code for r in badges.rows].index("first-steps"))
        await press(pilot, "e")
        assert_shown(app, f"Change the badge {hostile('Badge')}")
        app.screen.query_one("#badge-name", Input).value = hostile("Renamed")
        app.screen.query_one("#badge-threshold", Input).value = "2"
        await press(pilot, "ctrl+s")
        assert_shown(app, f"Name: {hostile('Badge')} → {hostile('Renamed')}", shorten(hostile("Learner"), 24))
        await press(pilot, "y")
        assert_shown(app, shorten(hostile("Renamed"), 24))
        await press(pilot, "escape")

        await press(pilot, "4")
        assert_shown(app, shorten(hostile("Learner"), 24), shorten(hostile("Second"), 24))

        # Users: the table, every dialog naming a user, and a toast with a bracketed name.
        await press(pilot, "5")
        assert_shown(app, hostile("Learner"), hostile("Trainer"))
        users = app.screen
        users.table.move_cursor(row=[r.user_id for r in users.rows].index(world.trainer.user_id))
        label = f"{hostile('Trainer')} <trainer@example.org>"
        for key, shown in (("r", f"Role of {label}"), ("d", f"Deactivate {label}?"),
                           ("p", f"New password for {label}")):
            await press(pilot, key)
            assert_shown(app, shown)
            await press(pilot, "escape")
        await create_user(pilot, "new@example.org", hostile("New"))
        assert_toast(app, f"Created learner {hostile('New')} <new@example.org>.")

        # The activity log quotes titles and reasons.
        await press(pilot, "7")
        assert_shown(app, "reason=" + hostile("Why")[:40])
    assert app.return_code is None


async def test_backups_show_a_folder_named_with_markup_as_written(services: Services, admin: Principal,
                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "Paul [Intern] [@click=app.quit]x [bold"
    use_backups(services, folder, ticking_clock())
    app = build_app(services)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await log_in(pilot, "admin@example.org")
        await press(pilot, "6")
        assert_shown(app, f"Archives in {folder}")
        await press(pilot, "b")
        written = [message for message, markup in notes(app) if " written: " in message and not markup]
        assert len(written) == 1
        assert_shown(app, f"Archives in {folder}", written[0])
