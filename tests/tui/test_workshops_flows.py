"""Pilot tests of the Workshops section: the trainer's day (form, registrations, waitlist,
promotion, attendance, comment, CSV) and the learner's (register, see it, cancel)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, TabbedContent, TextArea

from domain.clock import fixed_clock
from domain.config import Settings
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import Attendance, RegistrationStatus, WorkshopQuery, WorkshopScope
from domain.services.container import Services
from tests.harness import services_for
from tests.conftest import NOW, make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.test_flows import closed_port, notifications, table_rows, text_of
from tests.tui.workshops_data import learners, register, schedule
from tui.app import SkillHubApp
from tui.controllers.registrations import RegistrationsController
from tui.screens.attendance import AttendanceDialog
from tui.screens.catalog import CatalogScreen
from tui.screens.comment import CommentDialog
from tui.screens.confirm import ConfirmDialog
from tui.screens.export import ExportDialog
from tui.screens.reason import ReasonDialog
from tui.screens.register_learner import RegisterLearnerDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.workshop_form import WorkshopFormDialog
from tui.screens.workshops import WorkshopsScreen

SIZE = (80, 24)


def tab_label(app: SkillHubApp, pane: str) -> str:
    return app.screen.query_one("#sheet-tabs", TabbedContent).get_tab(pane).label.plain


async def open_workshops(pilot: Pilot[None], email: str) -> None:
    await log_in(pilot, email)
    await pilot.press("2")
    await settle(pilot)


async def pick_learner(pilot: Pilot[None], search: str) -> None:
    """r, type the search, go down to the first choice, enter."""
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RegisterLearnerDialog)
    await pilot.press(*search)
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def test_trainer_schedules_fills_a_workshop_and_runs_it(app: SkillHubApp, services: Services,
                                                              trainer: Principal, tmp_path: Path) -> None:
    lea, lucas, chloe = learners(services, 3)
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        assert isinstance(app.screen, WorkshopsScreen)
        assert text_of(app, "#workshops-empty") == "No upcoming workshop yet. Press n to schedule one."

        # The form: a trainer's picker is fixed to themselves; every field error shows at once.
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        trainer_select = form.query_one("#workshop-trainer", Select)
        assert trainer_select.disabled and trainer_select.value == str(trainer.user_id)
        await pilot.press(*"SQ", "enter", *"next week", "enter", "1", "0", "enter", "2", "ctrl+s")
        await settle(pilot)
        errors = {f: text_of(app, f"#field-{f} .form-field--error")
                  for f in ("title", "starts_at", "duration_minutes", "capacity")}
        assert errors == {
            "title": "Title must be at least 3 characters",
            "starts_at": "Start must be a date and time like 2026-12-01 14:00",
            "duration_minutes": "Duration must be between 15 and 600",
            "capacity": "",
        }
        assert app.focused is form.query_one("#workshop-title")
        form.query_one("#workshop-title", Input).value = "SQL for analysts"
        # Ten minutes from the tests' now: within the quarter of an hour before the start when
        # attendance may be marked, further down.
        form.query_one("#workshop-start", Input).value = "2026-11-22 09:10"
        form.query_one("#workshop-duration", Input).value = "120"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        assert table_rows(app, "#workshops-table") == [["2026-11-22 09:10", "SQL for analysts", "Tom Trainer",
                                                         "0/2", ""]]
        assert "Scheduled SQL for analysts." in notifications(app)

        # Its registrations: two learners take the two seats, the third waits.
        await pilot.press("enter")
        await settle(pilot)
        sheet = app.screen
        assert isinstance(sheet, RegistrationsScreen)
        assert text_of(app, "#sheet-title") == "SQL for analysts"
        for name in ("lea", "lucas", "chloe"):
            await pick_learner(pilot, name)
        assert "The workshop is full: Chloe Robert is #1 on the waitlist." in notifications(app)
        assert [r[0] for r in table_rows(app, "#sheet-confirmed")] == ["Lea Dubois", "Lucas Thomas"]
        assert (tab_label(app, "confirmed"), tab_label(app, "waitlist")) == ("Confirmed 2", "Waitlist 1")
        assert text_of(app, "#sheet-seats").startswith("Seats 2 of 2 taken · 0 left · 1 on the waitlist")
        assert text_of(app, "#sheet-detail-title") == "History of Lea Dubois"
        assert "confirmed  by trainer@example.org" in text_of(app, "#sheet-detail-body")

        # Cancelling Lea's seat promotes Chloe at once.
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"sick", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "Registration cancelled. Chloe Robert promoted from the waitlist.\nPress u to undo." in notifications(app)
        assert sorted(r[0] for r in table_rows(app, "#sheet-confirmed")) == ["Chloe Robert", "Lucas Thomas"]
        assert (tab_label(app, "waitlist"), tab_label(app, "cancelled")) == ("Waitlist 0", "Cancelled 1")
        await pilot.press("tab", "tab")
        await settle(pilot)
        assert sheet.view.value == "cancelled"
        assert table_rows(app, "#sheet-cancelled")[0][0] == "Lea Dubois"
        assert table_rows(app, "#sheet-cancelled")[0][3] == "sick"
        assert "confirmed → cancelled  by trainer@example.org · sick" in text_of(app, "#sheet-detail-body")
        await pilot.press("shift+tab", "shift+tab")
        await settle(pilot)

        # Attendance for both confirmed learners at once: "late".
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AttendanceDialog)
        await pilot.press("ctrl+a", "tab", "right", "enter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        assert "Marked 2 learners late." in notifications(app)
        assert [r[2] for r in table_rows(app, "#sheet-confirmed")] == ["late", "late"]
        assert "Attendance: late, marked 2026-11-22 09:00 by Tom Trainer" in text_of(app, "#sheet-detail-body")

        # A comment with markup and an operator in it is stored and shown verbatim.
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, CommentDialog)
        body = '[bold]Bring laptops[/bold] {"$ne": ""}'
        await pilot.press(*body)
        assert app.screen.query_one("#comment-body", TextArea).text == body
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Comment added." in notifications(app)
        assert tab_label(app, "comments") == "Comments 1"
        assert table_rows(app, "#sheet-comments")[0][1:] == ["Tom Trainer", body]

        # The attendance sheet as CSV, then again over the same file once confirmed.
        target = tmp_path / "attendance.csv"
        await pilot.press("s")
        await settle(pilot)
        export = app.screen
        assert isinstance(export, ExportDialog)
        path_field = export.query_one("#export-path", Input)
        assert path_field.value == f"./attendance-{sheet.controller.workshop_id}.csv"
        path_field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Attendance sheet of 2 learners written to {target}." in notifications(app)
        await pilot.press("s")
        await settle(pilot)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)

    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["learner", "email", "attendance", "marked_at", "marked_by"]
    assert sorted((r[0], r[2], r[4]) for r in rows[1:]) == [("Chloe Robert", "late", "Tom Trainer"),
                                                          ("Lucas Thomas", "late", "Tom Trainer")]
    sheet_now = services.registrations.sheet(trainer, sheet.controller.workshop_id)
    assert sheet_now.workshop.seats_taken == 2
    assert {r.learner_id: r.attendance for r in sheet_now.confirmed} == {lucas.user_id: Attendance.LATE,
                                                                         chloe.user_id: Attendance.LATE}
    assert [r.learner_id for r in sheet_now.cancelled] == [lea.user_id]


async def test_attendance_key_says_when_attendance_opens_before_the_workshop_starts(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    register(services, workshop, lea)
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        assert notifications(app)[-1] == (
            "Attendance opens 15 minutes before the workshop starts: from 2026-11-25 08:45 UTC.")
    assert services.registrations.attendance_sheet(trainer, workshop.id)[0].attendance is None


async def test_learner_registers_sees_it_among_their_own_and_cancels(app: SkillHubApp, services: Services,
                                                                     trainer: Principal) -> None:
    lea, lucas = learners(services, 2)
    full = schedule(services, trainer, "Docker from zero", days=5, capacity=1)
    register(services, full, lucas)
    schedule(services, trainer, "Writing clean SQL", days=3, capacity=10)
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "lea.dubois@example.org")
        catalog = app.screen
        assert isinstance(catalog, CatalogScreen)
        assert table_rows(app, "#catalog-table") == [
            ["2026-11-25 09:00", "Writing clean SQL", "Tom Trainer", "10 left", ""],
            ["2026-11-27 09:00", "Docker from zero", "Tom Trainer", "full", ""],
        ]
        await pilot.press("r")
        await settle(pilot)
        assert "Registered for Writing clean SQL: seat confirmed." in notifications(app)
        await pilot.press("down", "r")
        await settle(pilot)
        assert "Docker from zero is full: you are #1 on the waitlist." in notifications(app)
        assert [r[3:] for r in table_rows(app, "#catalog-table")] == [["9 left", "confirmed"], ["full", "wait #1"]]
        assert catalog.check_action("register", ()) is None

        await pilot.press("o")
        await settle(pilot)
        mine = table_rows(app, "#catalog-table")
        assert sorted(mine) == [["2026-11-25 09:00", "Writing clean SQL", "confirmed", ""],
                                ["2026-11-27 09:00", "Docker from zero", "waitlist #1", ""]]
        # Lucas's seat shows only as "full": no other learner's name reaches this screen.
        assert all("Lucas" not in cell for row in mine for cell in row)
        catalog.table.move_cursor(row=[r[1] for r in mine].index("Writing clean SQL"))
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "Registration cancelled." in notifications(app)
        statuses = {r[1]: r[2] for r in table_rows(app, "#catalog-table")}
        assert statuses == {"Writing clean SQL": "cancelled", "Docker from zero": "waitlist #1"}
        assert catalog.check_action("cancel_registration", ()) in (True, None)
    mine_now = services.registrations.my_registrations(lea, PageRequest(1, 10)).items
    assert sorted((m.workshop.title, m.registration.status) for m in mine_now) == [
        ("Docker from zero", RegistrationStatus.WAITLISTED), ("Writing clean SQL", RegistrationStatus.CANCELLED)]


async def test_learner_who_registered_again_sees_each_workshop_once_in_mine(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    titles = ["Writing clean SQL", "Docker from zero", "Git rebase", "Unit testing", "Threat models"]
    workshops = [schedule(services, trainer, title, days=n + 1) for n, title in enumerate(titles)]
    for workshop in workshops:
        register(services, workshop, lea)
    services.registrations.cancel(lea, workshops[1].id, reason="Clash")
    register(services, workshops[1], lea)
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "lea.dubois@example.org")
        await pilot.press("o")
        await settle(pilot)
        assert not [n for n in notifications(app) if "went wrong" in n]
        assert sorted((r[1], r[2]) for r in table_rows(app, "#catalog-table")) == sorted(
            (title, "confirmed") for title in titles)


async def test_learner_is_refused_the_registrations_screen(app: SkillHubApp, services: Services,
                                                          trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    register(services, workshop, lea)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "lea.dubois@example.org")
        app.push_screen(RegistrationsScreen(RegistrationsController(services.registrations, app.context.principal,
                                                                    workshop.id)))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationsScreen)
        assert text_of(app, "#sheet-title") == "Not allowed"
        assert "Only trainers and admins may see registrations." in text_of(app, "#sheet-refused")
        assert screen.sheet is None
        assert all(screen.check_action(a, ()) is None for a in ("register", "cancel_registration", "attendance",
                                                                "comment", "export"))
        assert screen.query_one("#sheet-confirmed", DataTable).row_count == 0


async def test_trainer_may_only_manage_their_own_workshops_and_delete_unregistered_ones(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    other = make_user(services, "olga@example.org", Role.TRAINER, "Olga Other")
    (lea,) = learners(services, 1)
    theirs = schedule(services, other, "Olga's workshop", days=2)
    registered = schedule(services, trainer, "Registered once", days=3)
    register(services, registered, lea)
    services.registrations.cancel(lea, registered.id)
    schedule(services, trainer, "Nobody came", days=4)
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        screen = app.screen
        assert isinstance(screen, WorkshopsScreen)
        assert [r[1] for r in table_rows(app, "#workshops-table")] == ["Olga's workshop", "Registered once",
                                                                       "Nobody came"]
        states = []
        for index in range(3):
            screen.table.move_cursor(row=index)
            await pilot.pause()
            states.append(tuple(bool(screen.check_action(a, ())) for a in
                                ("edit_workshop", "cancel_workshop", "delete_workshop", "open_registrations")))
        assert states == [(False, False, False, False), (True, True, False, True), (True, True, True, True)]
        # Someone registered once: delete is refused even though nobody is registered now.
        screen.table.move_cursor(row=1)
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        screen.table.move_cursor(row=2)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Deleted Nobody came (2026-11-26 09:00)." in notifications(app)
        assert [r[1] for r in table_rows(app, "#workshops-table")] == ["Olga's workshop", "Registered once"]

        # Cancel needs a reason, then a yes.
        screen.table.move_cursor(row=1)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#field-reason .form-field--error") == "A reason is required"
        await pilot.press(*"room flooded", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r[1] for r in table_rows(app, "#workshops-table")] == ["Olga's workshop"]
        await pilot.press("f")
        await settle(pilot)
        scope = screen.query_one("#workshops-scope", Select)
        scope.value = WorkshopScope.CANCELLED
        await settle(pilot)
        assert [r[1] for r in table_rows(app, "#workshops-table")] == ["Registered once"]
    assert theirs.id not in [w.id for w in services.workshops.list(
        trainer, WorkshopQuery(WorkshopScope.CANCELLED), PageRequest(1, 10)).items]
    cancelled = services.workshops.get(trainer, registered.id)
    assert cancelled.is_cancelled and cancelled.cancel_reason == "room flooded"


async def test_registering_during_a_mongodb_outage_keeps_the_seat_and_warns(
        services: Services, settings: Settings, trainer: Principal) -> None:
    (lea,) = learners(services, 1)
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    # The same PostgreSQL, but nobody answers on MongoDB's port for the registration services;
    # logging in still works (it has its own, healthy, services).
    nobody = f"mongodb://127.0.0.1:{closed_port()}/?directConnection=true"
    down = services_for(replace(settings, connect_timeout_s=0.3), clock=fixed_clock(NOW),
                          endpoints=replace(services.endpoints, mongo_url=nobody))
    app = build_app(replace(services, workshops=down.workshops, registrations=down.registrations))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_workshops(pilot, "lea.dubois@example.org")
            await pilot.press("r")
            await settle(pilot)
            (warning,) = [n for n in app._notifications if "MongoDB is unreachable" in n.message]
            assert warning.severity == "warning"
            assert warning.message.startswith("Registered for Writing clean SQL: seat confirmed. Saved.")
            assert table_rows(app, "#catalog-table")[0][3:] == ["9 left", "confirmed"]
    finally:
        down.close()
    assert services.workshops.get(lea, workshop.id).seats_taken == 1
    assert services.relay.relay().error is None
    assert services.db["registrations"].count_documents({"workshop_id": workshop.id, "status": "confirmed"}) == 1


async def test_editing_a_full_workshop_to_more_seats_promotes_the_waitlist(app: SkillHubApp, services: Services,
                                                                          trainer: Principal) -> None:
    workshop = schedule(services, trainer, "Docker from zero", days=5, capacity=2)
    register(services, workshop, *learners(services, 4))
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        assert table_rows(app, "#workshops-table")[0][3:] == ["2/2", "2"]
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        assert form.query_one("#workshop-start", Input).value == "2026-11-27 09:00"
        capacity = form.query_one("#workshop-capacity", Input)
        assert capacity.value == "2"
        capacity.value = "1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#field-capacity .form-field--error") == (
            "Capacity cannot go below the 2 seats already taken")
        capacity.value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        assert "Saved Docker from zero." in notifications(app)
        assert table_rows(app, "#workshops-table")[0][3:] == ["3/3", "1"]


async def test_a_ten_thousand_character_comment_is_kept_whole_and_one_more_is_refused(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    long_text = ("[red]not markup[/red] " * 600)[:10_000]
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        body = app.screen.query_one("#comment-body", TextArea)
        body.load_text(long_text + "x")
        await pilot.pause()
        assert text_of(app, "#comment-count") == "10,001 / 10,000 characters"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CommentDialog)
        assert text_of(app, "#comment-error") == "Comment must be at most 10000 characters (got 10001)"
        body.load_text(long_text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        await pilot.press("shift+tab")
        await settle(pilot)
        assert text_of(app, "#sheet-detail-body") == long_text
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#comment-text", TextArea).text == long_text
    (comment,) = services.registrations.sheet(trainer, workshop.id).comments
    assert comment.body == long_text


async def test_workshop_form_shows_text_no_database_can_store_inline(app: SkillHubApp, services: Services,
                                                                     trainer: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        # As a paste of invalid UTF-8 or a NUL byte would leave them.
        for field, value in (("title", "Sort \ud800 waste"), ("start", "2026-11-25 09:00"), ("duration", "120"),
                             ("capacity", "10"), ("place", "Room\x00A"), ("description", "a\udcff")):
            form.query_one(f"#workshop-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        errors = {f: text_of(app, f"#field-{f} .form-field--error") for f in ("title", "place", "description")}
        assert errors == {
            "title": "Title must be valid UTF-8 text",
            "place": "Place must not contain control characters",
            "description": "Description must be valid UTF-8 text",
        }
        assert app.focused is form.query_one("#workshop-title")
    assert services.workshops.list(trainer, WorkshopQuery(), PageRequest()).total == 0


async def _new_workshop_form_with_capacity(pilot: Pilot[None], keys: list[str]) -> WorkshopFormDialog:
    """The New workshop form, valid but for the capacity, where `keys` are typed as a person would."""
    await open_workshops(pilot, "trainer@example.org")
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, WorkshopFormDialog)
    for field, value in (("title", "SQL for analysts"), ("start", "2026-11-25 09:00"), ("duration", "120")):
        form.query_one(f"#workshop-{field}", Input).value = value
    capacity = form.query_one("#workshop-capacity", Input)
    capacity.value = ""
    capacity.focus()
    await pilot.press(*keys)
    await settle(pilot)
    return form


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param("15.5", "Capacity must be a whole number", id="decimal"),
        pytest.param("1e3", "Capacity must be a whole number", id="exponent"),
        pytest.param("12abc", "Capacity must be a whole number", id="letters"),
        pytest.param("99999999999", "Capacity must be between 1 and 500", id="eleven-digits"),
    ],
)
async def test_capacity_typed_is_kept_as_typed_and_refused_with_a_message(app: SkillHubApp, services: Services,
                                                                          trainer: Principal, typed: str,
                                                                          message: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_workshop_form_with_capacity(pilot, list(typed))
        # Nothing filtered out as typed (Input(type="integer") made "15.5" 155 and "1e3" 13) ...
        assert form.query_one("#workshop-capacity", Input).value == typed
        # ... and the service's own message shows under the field while typing,
        assert text_of(app, "#field-capacity .form-field--error") == message
        await pilot.press("ctrl+s")
        await settle(pilot)
        # and again after saving, which is refused.
        assert app.screen is form
        assert text_of(app, "#field-capacity .form-field--error") == message
        assert app.focused is form.query_one("#workshop-capacity")
    assert services.workshops.list(trainer, WorkshopQuery(), PageRequest()).total == 0


async def test_capacity_with_surrounding_spaces_is_saved_as_the_number(app: SkillHubApp, services: Services,
                                                                       trainer: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_workshop_form_with_capacity(pilot, ["space", "1", "2", "space"])
        assert form.query_one("#workshop-capacity", Input).value == " 12 "
        assert text_of(app, "#field-capacity .form-field--error") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
    saved = services.workshops.list(trainer, WorkshopQuery(), PageRequest()).items
    assert [(w.title, w.capacity) for w in saved] == [("SQL for analysts", 12)]
