"""Forms never discard typed work silently; errors and notices go away once they no longer hold."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from domain.models.paging import PageRequest
from domain.models.progress import ProgressStatus
from domain.models.users import Principal, Role
from domain.services.container import Services
from domain.services.progress import lower_than_before
from domain.services.user_rules import activation_change, role_change
from tests.tui.conftest import log_in, settle
from tests.tui.progress_helpers import notifications, text_of
from tests.tui.workshops_data import schedule
from tui.app import SkillHubApp
from tui.screens.confirm import ConfirmDialog
from tui.screens.create_user import CreateUserDialog
from tui.screens.login import LoginScreen
from tui.screens.progress import ProgressScreen
from tui.screens.reason import ReasonDialog
from tui.screens.step_dialog import StepDialog
from tui.screens.users import UsersScreen
from tui.screens.workshop_form import WorkshopFormDialog
from tui.screens.workshops import WorkshopsScreen

SIZE = (100, 30)


async def test_escape_closes_an_unchanged_form_at_once_and_asks_before_discarding_a_changed_one(
        app: SkillHubApp, services: Services, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5", "n")
        await settle(pilot)
        assert isinstance(app.screen, CreateUserDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)

        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"nina@example.org", "escape")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert question.dialog_title == "Discard changes?"
        # No (or escape) goes back to the form with what was typed.
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CreateUserDialog)
        assert form.query_one("#new-email", Input).value == "nina@example.org"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        # The cancel button asks the same question; yes discards.
        await pilot.click("#create-user-cancel")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        # A value put back as it was is no change.
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("x", "backspace", "escape")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
    assert services.users.list(admin, PageRequest(1, 50)).total == 1


async def test_a_changed_select_counts_as_typed_work(app: SkillHubApp, admin: Principal, trainer: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("2", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        form.query_one("#workshop-trainer", Select).value = str(trainer.user_id)
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)


async def test_a_field_error_clears_as_soon_as_the_field_is_valid_or_no_longer_holds_the_refused_value(
        app: SkillHubApp, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("2", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        form.query_one("#workshop-capacity", Input).focus()
        await pilot.press(*"15.5")
        await settle(pilot)
        assert text_of(app, "#field-capacity .form-field--error") == "Capacity must be a whole number"
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert form.query_one("#field-capacity").has_class("-invalid") is False

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#field-title .form-field--error") != ""
        assert form.query_one("#field-title").has_class("-invalid")
        form.query_one("#workshop-title", Input).focus()
        await pilot.press(*"Solar panels")
        await settle(pilot)
        assert form.query_one("#field-title").has_class("-invalid") is False
        # The other refused fields keep their errors until they change.
        assert form.query_one("#field-starts_at").has_class("-invalid")


async def test_logged_out_notice_goes_once_the_next_thing_is_typed(app: SkillHubApp, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("ctrl+l")
        await settle(pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        notice = login.query_one("#login-notice", Static)
        assert notice.display and str(notice.render()) == "You have logged out."
        await pilot.press("a")
        await settle(pilot)
        assert not notice.display


async def test_role_change_asks_first_naming_the_person_and_the_change(app: SkillHubApp, services: Services,
                                                                     admin: Principal, learner: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        users = app.screen
        assert isinstance(users, UsersScreen)
        await pilot.press("down")
        assert users.selected is not None and users.selected.user_id == learner.user_id
        await pilot.press("r")
        await settle(pilot)
        # Admin is the first choice.
        await pilot.press("home", "enter")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert question.dialog_title == "Grant the admin role"
        assert question.question.startswith(f"Make {users.selected.label} an admin?")
        await pilot.press("n")
        await settle(pilot)
        assert services.users.get(admin, learner.user_id).role is Role.LEARNER
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("home", "enter", "y")
        await settle(pilot)
        assert services.users.get(admin, learner.user_id).role is Role.ADMIN
        assert f"{users.selected.label} is now admin." in notifications(app)


def test_every_role_change_and_activation_is_a_privilege_change_named_in_the_question() -> None:
    assert role_change("Léa <lea@x.org>", Role.LEARNER, Role.LEARNER) is None
    grant = role_change("Léa <lea@x.org>", Role.LEARNER, Role.ADMIN)
    assert grant is not None and grant.title == "Grant the admin role" and "Léa <lea@x.org>" in grant.question
    down = role_change("Ada <ada@x.org>", Role.ADMIN, Role.TRAINER)
    assert down is not None
    assert down.question.startswith("Change Ada <ada@x.org> from admin to trainer?")
    assert "no longer manage every account" in down.question
    up = role_change("Léa <lea@x.org>", Role.LEARNER, Role.TRAINER)
    assert up is not None and "no longer" not in up.question
    assert "no longer be able to log in" in activation_change("Léa <lea@x.org>", False).question
    assert activation_change("Léa <lea@x.org>", True).yes_label == "Activate"


def test_progress_lower_than_before_is_the_only_step_that_warns() -> None:
    assert lower_than_before("Compost", ProgressStatus.STARTED, 60, "40") == (
        "“Compost” is at 60 %: record 40 %, lower than before?")
    assert lower_than_before("Compost", ProgressStatus.STARTED, 60, " 60 ") is None
    assert lower_than_before("Compost", ProgressStatus.STARTED, 60, "80") is None
    # Not a percent: no warning, the step itself refuses it.
    assert lower_than_before("Compost", ProgressStatus.STARTED, 60, "15.5") is None
    assert lower_than_before("Compost", ProgressStatus.RESET, 60, "10") is None
    assert lower_than_before("Compost", None, 0, "10") is None


async def test_learner_is_warned_before_recording_less_progress_than_before(
        app: SkillHubApp, services: Services, admin: Principal, learner: Principal) -> None:
    compost = services.challenges.create(admin, "Compost kitchen scraps", "", "waste", 100, "easy")
    services.progress.start(learner, compost.id)
    services.progress.update(learner, compost.id, 60)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "learner@example.org")
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, StepDialog)
        await pilot.press(*"40", "enter")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert question.question == "“Compost kitchen scraps” is at 60 %: record 40 %, lower than before?"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, StepDialog)
        assert _percent(screen) == "60 %"
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert app.screen is screen and _percent(screen) == "40 %"
        await pilot.press("u")
        await settle(pilot)
        # Going up asks nothing.
        await pilot.press(*"70", "enter")
        await settle(pilot)
        assert app.screen is screen and _percent(screen) == "70 %"


def _percent(screen: ProgressScreen) -> str:
    return str(screen.challenges_table.get_row_at(0)[3]).strip()


async def test_a_reason_typed_before_cancelling_a_workshop_is_not_dropped_without_a_yes(
        app: SkillHubApp, services: Services, admin: Principal, trainer: Principal) -> None:
    schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkshopsScreen)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Trainer ill", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        assert app.screen.query_one("#reason-input", Input).value == "Trainer ill"
