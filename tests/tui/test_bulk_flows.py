"""Pilot tests of bulk actions (issue 14): select rows, act once, undo from the notification or the Activity log."""

from __future__ import annotations

from textual.widgets import DataTable

from domain.clock import fixed_clock
from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import log_in, settle
from tests.tui.test_flows import notifications, table_rows, text_of
from tests.tui.workshops_data import learners, register, schedule
from tui.app import SkillHubApp
from tui.screens.activity import ActivityScreen
from tui.screens.confirm import ConfirmDialog
from tui.screens.picker import PickerDialog
from tui.screens.reason import ReasonDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.users import UsersScreen
from tui.screens.workshops import WorkshopsScreen

SIZE = (100, 30)


def ledger_statuses(services: Services, workshop_id: int, admin: Principal) -> dict[str, str]:
    sheet = services.registrations.sheet(admin, workshop_id)
    return {**{r.learner_name: "confirmed" for r in sheet.confirmed}, **{r.learner_name: "waitlisted" for r in sheet.waitlist},
            **{r.learner_name: "cancelled" for r in sheet.cancelled}}


async def test_select_cancel_registrations_then_undo_from_the_notification(
        app: SkillHubApp, services: Services, trainer: Principal, admin: Principal) -> None:
    people = learners(services, 4)
    workshop = schedule(services, trainer, "Soldering basics", 3, capacity=3)
    register(services, workshop, *people)            # three seats, Nathan waits
    before = ledger_statuses(services, workshop.id, admin)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationsScreen)

        # space marks the row and moves nothing; the mark is a ✓ before the name, the count a status line.
        await pilot.press("space", "down", "space")
        await settle(pilot)
        rows = table_rows(app, "#sheet-confirmed")
        assert [r[0].startswith("✓ ") for r in rows] == [True, True, False]
        assert text_of(app, "#selection-status") == "✓ 2 learners selected · escape clears"

        # c acts on the selection: one reason, one confirmation naming how many.
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"Room [b]swap[/b]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == "Cancel 2 registrations? Reason: Room [b]swap[/b]"
        await pilot.press("y")
        await settle(pilot)
        assert notifications(app)[-1] == "Cancelled registrations: 2 of 2 rows.\nPress u to undo."
        assert text_of(app, "#selection-status") == ""
        assert sum(1 for s in ledger_statuses(services, workshop.id, admin).values() if s == "cancelled") == 2

        # u takes the batch back: the seats were free (one was given to Nathan, so one comes back).
        await pilot.press("u")
        await settle(pilot)
        message = notifications(app)[-1]
        assert message.startswith("Undone: 1 of 2 rows taken back.")
        assert "The seat has been taken since: the workshop is full." in message
        # Twice is not offered: the key is greyed and says why.
        await pilot.press("u")
        await settle(pilot)
        assert notifications(app)[-1].startswith("Nothing to undo here yet")
    after = ledger_statuses(services, workshop.id, admin)
    assert list(after.values()).count("confirmed") == 3 and after != before


async def test_select_all_deactivate_users_and_escape_clears(app: SkillHubApp, services: Services,
                                                             admin: Principal) -> None:
    for n in range(3):
        make_user(services, f"cohort{n}@example.org", Role.LEARNER, f"Cohort {n}")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        app.screen.query_one("#users-search").value = "cohort"
        app.screen.query_one("#users-search").focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert notifications(app)[-1] == "Selected all 3 rows of this list, on every page."
        assert text_of(app, "#selection-status") == "✓ 3 users selected (the whole list, every page) · escape clears"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen) and text_of(app, "#selection-status") == ""

        await pilot.press("ctrl+a")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and app.screen.question.startswith("Deactivate 3 users?")
        await pilot.press("y")
        await settle(pilot)
        assert notifications(app)[-1] == "Deactivated: 3 of 3 rows.\nPress u to undo."
        assert [r[3] for r in table_rows(app, "#users-table")] == ["no", "no", "no"]
        await pilot.press("u")
        await settle(pilot)
        assert notifications(app)[-1] == "Undone: 3 of 3 rows taken back."
        assert [r[3] for r in table_rows(app, "#users-table")] == ["yes", "yes", "yes"]


async def test_a_single_cancel_offers_undo_in_its_notification(app: SkillHubApp, services: Services,
                                                               trainer: Principal) -> None:
    schedule(services, trainer, "Bread baking", 3)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Oven broken", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert notifications(app)[-1].endswith("\nPress u to undo.")
        await pilot.press("u")
        await settle(pilot)
        assert notifications(app)[-1] == "Undone: 1 of 1 rows taken back."
        assert table_rows(app, "#workshops-table")[0][1] == "Bread baking"


async def test_a_batch_is_one_line_in_the_activity_log_that_opens_and_is_undone_there(
        app: SkillHubApp, services: Services, trainer: Principal, admin: Principal) -> None:
    people = learners(services, 3)
    workshop = schedule(services, trainer, "Knife skills", 3)
    register(services, workshop, *people)
    marked = services.bulk.with_clock(fixed_clock(workshop.starts_at)).mark_attendance(
        trainer, workshop.id, [p.user_id for p in people], "present")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityScreen)
        rows = table_rows(app, "#activity-table")
        assert rows[0][2] == "▸ registration.attendance ×3" and rows[0][4] == "batch of 3 rows · enter opens it"
        assert [r[2] for r in rows].count("▸ registration.attendance ×3") == 1
        assert not any("└" in r[2] for r in rows)

        await pilot.press("enter")
        await settle(pilot)
        rows = table_rows(app, "#activity-table")
        assert [r[2] for r in rows[:4]] == ["▾ registration.attendance ×3"] + ["  └ registration.attendance"] * 3

        # u on one row of the batch takes back that row alone.
        await pilot.press("down", "u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert notifications(app)[-1] == "Undone: 1 of 1 rows taken back."
        # Then the whole batch: that row is reported as already undone, the others come back.
        rows = table_rows(app, "#activity-table")
        assert "registration.attendance.undo" in [r[2] for r in rows]
        assert rows[0][2] == "▾ registration.attendance ×3"
        app.screen.query_one("#activity-table", DataTable).move_cursor(row=0)
        await pilot.press("u", "y")
        await settle(pilot)
        assert notifications(app)[-1].startswith("Undone: 2 of 3 rows taken back.\n")
        assert "Already undone." in notifications(app)[-1]
    sheet = services.registrations.sheet(admin, workshop.id)
    assert all(r.attendance is None for r in sheet.confirmed)
    assert marked.batch_id is not None


async def test_change_trainer_of_selected_workshops(app: SkillHubApp, services: Services, admin: Principal,
                                                    trainer: Principal) -> None:
    other = make_user(services, "olga@example.org", Role.TRAINER, "Olga Other")
    for n in range(2):
        schedule(services, trainer, f"Pottery {n}", 3 + n)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog)
        await pilot.press(*"Olga")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == "Hand 2 workshops over to Olga Other? They will run them from now on."
        await pilot.press("y")
        await settle(pilot)
        assert [r[2] for r in table_rows(app, "#workshops-table")] == ["Olga Other", "Olga Other"]
        await pilot.press("u")
        await settle(pilot)
        assert [r[2] for r in table_rows(app, "#workshops-table")] == ["Tom Trainer", "Tom Trainer"]
    assert other.user_id


async def test_marks_saved_by_the_attendance_dialog_are_offered_for_undo(
        app: SkillHubApp, services: Services, trainer: Principal, admin: Principal) -> None:
    people = learners(services, 2)
    workshop = schedule(services, trainer, "Morning yoga", 0.005)     # starts in 7 minutes: attendance is open
    register(services, workshop, *people)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+a", "tab", "right", "enter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        assert notifications(app)[-2:] == ["Marked 2 learners late.", "Attendance saved. Press u to undo."]
        await pilot.press("u")
        await settle(pilot)
        assert notifications(app)[-1] == "Undone: 2 of 2 rows taken back."
        assert [r[2] for r in table_rows(app, "#sheet-confirmed")] == ["not marked", "not marked"]
