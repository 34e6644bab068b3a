"""The Workshops controllers without a UI: they call the services with the current principal
and hand back view-models (rows with the flags the screens grey keys by)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domain.clock import fixed_clock
from domain.errors import ExportTargetExists, FormErrors, PermissionDenied
from domain.models.users import Principal, Role
from domain.models.workshops import Attendance, WorkshopScope, WorkshopSort
from domain.services.container import Services
from tests.conftest import NOW, make_user
from tests.tui.workshops_data import learners, register, schedule
from tui.controllers.catalog import CatalogController
from tui.controllers.registrations import RegistrationsController, SheetView
from tui.controllers.workshops import WorkshopsController

CLOCK = fixed_clock(NOW)


def staff(services: Services, who: Principal, page_size: int = 50) -> WorkshopsController:
    return WorkshopsController(services.workshops, lambda: who, CLOCK, page_size)


def test_workshops_page_filters_searches_sorts_and_pages_by_the_repository(services: Services, admin: Principal,
                                                                           trainer: Principal) -> None:
    other = make_user(services, "olga@example.org", Role.TRAINER, "Olga Other")
    for day in range(1, 6):
        schedule(services, trainer, f"Tom's workshop {day}", days=day, capacity=4)
    busy = schedule(services, other, "Olga's full house", days=9, capacity=1)
    register(services, busy, *learners(services, 2))
    controller = staff(services, admin, page_size=4)

    first = controller.page(1)
    assert first.info.label == "Page 1 of 2 · 6 workshops" and first.info.has_next
    assert [r.cells[1] for r in first.rows] == [f"Tom's workshop {d}" for d in range(1, 5)]
    assert [r.cells[1] for r in controller.page(2).rows] == ["Tom's workshop 5", "Olga's full house"]
    by_fill = controller.page(1, sort=WorkshopSort.FILL_RATE)
    assert by_fill.rows[0].cells[1:] == ("Olga's full house", "Olga Other", "1/1", "1")
    assert [r.title for r in controller.page(1, search=" olga ").rows] == ["Olga's full house"]
    mine = staff(services, trainer).page(1, WorkshopScope.MINE)
    assert len(mine.rows) == 5 and all(r.trainer_name == "Tom Trainer" for r in mine.rows)
    empty = controller.page(1, WorkshopScope.PAST)
    assert (empty.rows, empty.empty_message) == ((), "No past workshop.")
    assert controller.page(1, search="nothing like it").empty_message == "No workshop matches “nothing like it”."
    # A page past the end (the list shrank meanwhile) shows the last page.
    assert controller.page(9).info.number == 2


def test_rows_say_what_a_trainer_may_do_to_each_workshop(services: Services, trainer: Principal) -> None:
    other = make_user(services, "olga@example.org", Role.TRAINER, "Olga Other")
    schedule(services, other, "Olga's", days=1)
    mine = schedule(services, trainer, "Mine, registered", days=2)
    register(services, mine, *learners(services, 1))
    schedule(services, trainer, "Mine, empty", days=3)
    rows = {r.title: (r.manageable, r.can_cancel, r.can_delete) for r in staff(services, trainer).page(1).rows}
    assert rows == {"Olga's": (False, False, False), "Mine, registered": (True, True, False),
                    "Mine, empty": (True, True, True)}


def test_the_form_fixes_a_trainer_to_themselves_and_offers_admins_every_trainer(
        services: Services, admin: Principal, trainer: Principal) -> None:
    gone = make_user(services, "gone@example.org", Role.TRAINER, "Gone Trainer")
    theirs = schedule(services, gone, "Run by someone who left", days=4)
    services.users.set_active(admin, gone.user_id, False)

    own = staff(services, trainer).form()
    assert own.trainer_fixed and [t.name for t in own.trainers] == ["Tom Trainer"]
    assert own.values["trainer_id"] == str(trainer.user_id) and own.values["title"] == ""
    new = staff(services, admin).form()
    assert not new.trainer_fixed and new.values["trainer_id"] == ""
    assert [t.name for t in new.trainers] == ["Ada Admin", "Tom Trainer"]
    edit = staff(services, admin).form(theirs.id)
    assert edit.heading == "Edit workshop" and edit.trainers[0].name == "Gone Trainer"
    assert (edit.values["starts_at"], edit.values["duration_minutes"], edit.values["capacity"]) == (
        "2026-11-26 09:00", "120", "10")


def test_create_reports_every_field_error_by_form_field(services: Services, admin: Principal) -> None:
    with pytest.raises(FormErrors) as caught:
        staff(services, admin).create({"title": "x", "trainer_id": "", "starts_at": "2026-11-01 10:00",
                                       "duration_minutes": "9999", "capacity": "0"})
    assert set(caught.value.errors) == {"title", "trainer_id", "starts_at", "duration_minutes", "capacity"}
    assert caught.value.errors["starts_at"] == "Start must be in the future"


def test_registrations_sheet_ranks_the_waitlist_across_pages(services: Services, trainer: Principal) -> None:
    people = learners(services, 6)
    workshop = schedule(services, trainer, "Tiny room", days=2, capacity=1)
    register(services, workshop, *people)
    controller = RegistrationsController(services.registrations, lambda: trainer, workshop.id, page_size=2)
    sheet = controller.sheet({SheetView.WAITLIST: 2})
    assert [r.cells[:2] for r in sheet.waitlist] == [("3", "Nathan Richard"), ("4", "Emma Petit")]
    assert sheet.pages[SheetView.WAITLIST].label == "Page 2 of 3 · 5 learners"
    assert sheet.heading.seats == "Seats 1 of 1 taken · 0 left · 5 on the waitlist"
    assert sheet.history[sheet.confirmed[0].registration_id] == (
        "2026-11-22 09:00  confirmed  by lea.dubois@example.org",)

    outcome = controller.cancel(people[0].user_id, "")
    assert outcome.promoted == ("Lucas Thomas",) and outcome.synced
    options = {o.label: (o.note, o.available) for o in controller.candidates("chloe")}
    assert options == {"Chloe Robert <chloe.robert@example.org>": ("already on the waitlist", False)}
    assert controller.candidates("lea")[0].available


def test_attendance_comment_and_export_through_the_controller(services: Services, trainer: Principal,
                                                              tmp_path: Path) -> None:
    lea, lucas = learners(services, 2)
    workshop = schedule(services, trainer, "Room A", days=2)
    register(services, workshop, lea, lucas)
    early = RegistrationsController(services.registrations, lambda: trainer, workshop.id, clock=fixed_clock(NOW))
    assert early.attendance_refusal(early.sheet().heading) == (
        "Attendance opens 15 minutes before the workshop starts: from 2026-11-24 08:45 UTC.")
    clock = fixed_clock(workshop.starts_at)
    controller = RegistrationsController(services.registrations.with_clock(clock), lambda: trainer, workshop.id,
                                         clock=clock)
    assert controller.attendance_refusal(controller.sheet().heading) is None
    assert [c.mark for c in controller.attendance_choices()] == ["not marked", "not marked"]
    assert controller.mark_attendance([lea.user_id, lucas.user_id], Attendance.PRESENT).message == (
        "Marked 2 learners present.")
    assert controller.mark_attendance([lea.user_id], "present").message == (
        "Marked 0 learners present. 1 already had that mark.")
    assert controller.add_comment("  verbatim [b]text[/b]  ").message == "Comment added."
    assert controller.sheet().comments[0].body == "  verbatim [b]text[/b]  "
    target = tmp_path / "sheet.csv"
    assert controller.export(str(target)).rows == 2
    with pytest.raises(ExportTargetExists):
        controller.export(str(target))
    assert controller.export(str(target), overwrite=True).message == (
        f"Attendance sheet of 2 learners written to {target}.")
    assert controller.default_export_path == f"./attendance-{workshop.id}.csv"


def test_a_learner_is_refused_the_sheet_and_sees_only_their_own_status(services: Services,
                                                                       trainer: Principal) -> None:
    lea, lucas = learners(services, 2)
    workshop = schedule(services, trainer, "One seat", days=2, capacity=1)
    register(services, workshop, lucas)
    with pytest.raises(PermissionDenied, match="Only trainers and admins may see registrations"):
        RegistrationsController(services.registrations, lambda: lea, workshop.id).sheet()
    catalog = CatalogController(services.workshops, services.registrations, lambda: lea, CLOCK)
    assert catalog.register(workshop.id).message == "One seat is full: you are #1 on the waitlist."
    (row,) = catalog.catalog(1).rows
    assert (row.cells[3:], row.can_register, row.can_cancel) == (("full", "wait #1"), False, True)
    (mine,) = catalog.mine(1).rows
    assert mine.cells[2:] == ("waitlist #1", "") and mine.can_cancel
    assert catalog.cancel(workshop.id).message == "Registration cancelled."
    assert catalog.catalog(1, only_with_seats=True).empty_message == "No upcoming workshop with a free seat."


def test_workshop_controllers_import_no_textual() -> None:
    """The Workshops controllers are plain classes: importing them must not pull Textual in."""
    code = (
        "import sys\n"
        "import tui.controllers.workshops, tui.controllers.registrations, tui.controllers.catalog\n"
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_sheet_page_past_the_end_of_a_shrunk_list_shows_its_last_page(services: Services,
                                                                         trainer: Principal) -> None:
    people = learners(services, 4)
    workshop = schedule(services, trainer, "Tiny room", days=2, capacity=1)
    register(services, workshop, *people)
    controller = RegistrationsController(services.registrations, lambda: trainer, workshop.id, page_size=2)
    assert controller.sheet({SheetView.WAITLIST: 2}).pages[SheetView.WAITLIST].label == "Page 2 of 2 · 3 learners"
    controller.cancel(people[3].user_id, "")
    sheet = controller.sheet({SheetView.WAITLIST: 2, SheetView.COMMENTS: 3})
    assert sheet.pages[SheetView.WAITLIST].label == "Page 1 of 1 · 2 learners"
    assert [r.cells[:2] for r in sheet.waitlist] == [("1", "Lucas Thomas"), ("2", "Chloe Robert")]
    assert sheet.pages[SheetView.COMMENTS].number == 1
