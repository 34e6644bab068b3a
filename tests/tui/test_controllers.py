"""Controllers without a UI: they call the services with the current principal and return view-models."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from domain.errors import AuthenticationFailed, FormErrors, PermissionDenied, SessionExpired
from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD, make_user
from tui.controllers.activity import ActivityController, describe
from tui.controllers.home import HomeController
from tui.controllers.login import MISSING_CREDENTIALS, LoginController
from tui.controllers.session import SessionKeeper
from tui.controllers.users import UsersController
from tui.sections import SECTIONS


def logged_in(services: Services, email: str) -> SessionKeeper:
    keeper = SessionKeeper(services.auth)
    LoginController(services.auth, keeper).sign_in(email, TEST_PASSWORD)
    return keeper


def test_login_controller_keeps_the_session_and_greets_by_name(services: Services, admin: Principal) -> None:
    keeper = SessionKeeper(services.auth)
    welcome = LoginController(services.auth, keeper).sign_in("Admin@Example.org ", TEST_PASSWORD)
    assert (welcome.name, welcome.role) == ("Ada Admin", "admin")
    assert keeper.current().email == "admin@example.org"


def test_login_controller_does_not_send_an_empty_form(services: Services, admin: Principal) -> None:
    keeper = SessionKeeper(services.auth)
    with pytest.raises(AuthenticationFailed, match=MISSING_CREDENTIALS):
        LoginController(services.auth, keeper).sign_in("admin@example.org", "")
    assert services.db["auth_events"].count_documents({}) == 0
    assert not keeper.logged_in


def test_session_keeper_refuses_a_revoked_token(services: Services, admin: Principal) -> None:
    keeper = logged_in(services, "admin@example.org")
    token = keeper.token
    assert token is not None
    services.auth.logout(token)
    with pytest.raises(SessionExpired):
        keeper.current()


class CountingChecks:
    """Counts the token checks (AuthService.resume) a keeper makes."""

    def __init__(self, keeper: SessionKeeper) -> None:
        self.count = 0
        resume = keeper._auth.resume

        def counted(token: object):  # type: ignore[no-untyped-def]
            self.count += 1
            return resume(token)

        auth = copy.copy(keeper._auth)
        auth.resume = counted  # type: ignore[method-assign]
        keeper._auth_of = lambda: auth


def test_session_keeper_checks_the_token_once_per_action(services: Services, admin: Principal) -> None:
    keeper = logged_in(services, "admin@example.org")
    checks = CountingChecks(keeper)
    keeper.next_action()
    # Opening a section, then the screen's first loads: the same action.
    assert {keeper.current().email for _ in range(3)} == {"admin@example.org"}
    assert checks.count == 1
    keeper.next_action()
    keeper.current()
    assert checks.count == 2


def test_session_keeper_refuses_a_token_revoked_since_the_last_action(services: Services, admin: Principal) -> None:
    keeper = logged_in(services, "admin@example.org")
    keeper.next_action()
    keeper.current()
    token = keeper.token
    assert token is not None
    services.auth.logout(token)
    keeper.next_action()
    with pytest.raises(SessionExpired, match="You have been logged out"):
        keeper.current()
    # Refused on every call of that action, never answered from an earlier check.
    with pytest.raises(SessionExpired):
        keeper.current()


def test_session_keeper_checks_again_after_a_new_login(services: Services, admin: Principal) -> None:
    keeper = logged_in(services, "admin@example.org")
    keeper.current()
    checks = CountingChecks(keeper)
    LoginController(services.auth, keeper).sign_in("admin@example.org", TEST_PASSWORD)
    keeper.current()
    assert checks.count == 1


def test_session_keeper_sees_a_demotion_at_the_next_action(services: Services, admin: Principal) -> None:
    second = make_user(services, "second@example.org", Role.ADMIN)
    keeper = logged_in(services, "second@example.org")
    services.users.change_role(admin, second.user_id, Role.LEARNER)
    # The admin's token acts no more: the session ends, saying why...
    with pytest.raises(SessionExpired, match="Your role changed from admin to learner"):
        keeper.current()
    # ...and after the password the keeper holds a learner's session.
    assert keeper.reauthenticate("second@example.org", TEST_PASSWORD).role is Role.LEARNER
    assert keeper.current().role is Role.LEARNER
    assert keeper.principal is not None and keeper.principal.role is Role.LEARNER


def test_users_controller_is_refused_by_the_service_for_a_learner(services: Services, learner: Principal) -> None:
    controller = UsersController(services.users, lambda: learner)
    with pytest.raises(PermissionDenied, match="Only admin users may manage users"):
        controller.page(1)
    with pytest.raises(PermissionDenied):
        controller.change_role(learner.user_id, Role.ADMIN)


def test_users_controller_pages_by_fifty_and_searches(services: Services, admin: Principal) -> None:
    for i in range(55):
        make_user(services, f"person{i:02d}@example.org", Role.LEARNER, f"Person {i:02d}")
    controller = UsersController(services.users, lambda: admin)
    first = controller.page(1)
    assert len(first.rows) == 50 and first.info.label == "Page 1 of 2 · 56 users"
    assert first.info.has_next and not first.info.has_previous
    second = controller.page(2)
    assert len(second.rows) == 6 and second.info.has_previous and not second.info.has_next
    found = controller.page(1, search=" person07 ")
    assert [row.email for row in found.rows] == ["person07@example.org"]
    assert found.rows[0].cells == ("Person 07", "person07@example.org", "learner", "yes", "2026-11-22")
    # A page number past the end (the list shrank) shows the last page.
    assert controller.page(9, search="person07").info.number == 1


def test_users_controller_puts_a_taken_email_on_the_email_field(services: Services, admin: Principal) -> None:
    controller = UsersController(services.users, lambda: admin)
    with pytest.raises(FormErrors) as caught:
        controller.create("admin@example.org", "Someone", "learner", TEST_PASSWORD)
    assert set(caught.value.errors) == {"email"}


def test_users_controller_checks_the_repeated_password(services: Services, admin: Principal,
                                                       learner: Principal) -> None:
    controller = UsersController(services.users, lambda: admin)
    with pytest.raises(FormErrors) as differ:
        controller.reset_password(learner.user_id, "a new long password", "a new long passw0rd")
    assert differ.value.errors == {"repeat": "The two passwords differ."}
    with pytest.raises(FormErrors) as short:
        controller.reset_password(learner.user_id, "short", "short")
    assert set(short.value.errors) == {"password"}
    controller.reset_password(learner.user_id, "a new long password", "a new long password")
    assert services.auth.login("learner@example.org", "a new long password").principal.user_id == learner.user_id


def test_activity_controller_lists_newest_first_and_filters(services: Services, admin: Principal,
                                                            learner: Principal) -> None:
    services.users.change_role(admin, learner.user_id, Role.TRAINER)
    controller = ActivityController(services.activity, lambda: admin)
    page = controller.page(1)
    assert page.info.label == "Page 1 of 1 · 3 entries"
    assert page.rows[0][1:] == ("admin@example.org", "user.role", f"user {learner.user_id}", "learner → trainer")
    assert controller.page(1, actor="ADMIN@example.org").info.total == 1
    assert controller.page(1, action="user.create").info.total == 2
    assert controller.actions() == ("user.create", "user.role")
    with pytest.raises(PermissionDenied):
        ActivityController(services.activity, lambda: learner).page(1)


def test_home_controller_greys_the_sections_a_learner_may_not_open(services: Services, learner: Principal) -> None:
    view = HomeController(lambda: learner, SECTIONS, services.clock).overview()
    allowed = {line.key: line.allowed for line in view.sections}
    assert allowed == {"1": True, "2": True, "3": True, "4": True, "5": False, "6": False, "7": False}
    users = next(line for line in view.sections if line.key == "5")
    assert users.note == "admins only"
    assert (view.name, view.role, view.today) == ("Lea Learner", "learner", "Sunday 22 November 2026")


def test_controllers_import_no_textual() -> None:
    """Controllers are plain classes: importing all of them must not pull Textual in."""
    code = (
        "import sys\n"
        "import tui.controllers.activity, tui.controllers.home, tui.controllers.login\n"
        "import tui.controllers.paging, tui.controllers.session, tui.controllers.users\n"
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_activity_details_put_the_outcome_and_the_error_first() -> None:
    details = {"rows": 3, "error": "disk full", "outcome": "failed", "directory": "/x"}

    assert describe(details) == "outcome=failed, error=disk full, directory=/x, rows=3"
    assert describe({"b": 1, "a": 2}) == "a=2, b=1"
