"""Pilot tests of the shell: login, home, users, refusals, session end, database outage, activity log."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import timedelta

from rich.text import Text
from textual import events
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets._footer import FooterKey

from domain.clock import fixed_clock, utc_now
from domain.config import Settings
from domain.errors import SessionExpired
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.infrastructure.connections import Endpoints
from domain.services.container import Services
from tests.harness import services_for
from domain.security.tokens import TokenCodec
from domain.services.auth import GENERIC_FAILURE, AuthService
from tests.conftest import NOW, TEST_PASSWORD, TEST_SECRET, make_user
from tests.tui.conftest import build_app, log_in, settle
from tui.app import LOGGED_OUT, SkillHubApp
from tui.screens.activity import ActivityScreen
from tui.screens.database_down import DatabaseDownDialog
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.users import UsersScreen
from tui.sections import SECTION_BY_KEY
from tui.widgets.shell_footer import ShellFooter

SIZE = (80, 24)


def text_of(app: SkillHubApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notifications(app: SkillHubApp) -> list[str]:
    return [n.message for n in app._notifications]


def table_rows(app: SkillHubApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_wrong_password_shows_the_generic_message_then_login_opens_home(app: SkillHubApp,
                                                                            admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "admin@example.org", "not the password")
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-error") == GENERIC_FAILURE
        assert app.screen.query_one("#password", Input).value == ""
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Ada Admin <admin@example.org>" in text_of(app, "#home-who")
        assert text_of(app, "#home-role").startswith("Role: admin")
        sections = app.screen.query_one("#home-sections", OptionList)
        assert [sections.get_option_at_index(i).disabled for i in range(sections.option_count)] == [False] * 7


async def test_admin_creates_a_user_through_the_form_then_changes_their_role(app: SkillHubApp, services: Services,
                                                                            admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"nina@example.org", "tab", *"Nina Newcomer", "tab", "tab", *"a long enough secret", "ctrl+s")
        await settle(pilot)
        users = app.screen
        assert isinstance(users, UsersScreen)
        rows = table_rows(app, "#users-table")
        assert ["Nina Newcomer", "nina@example.org", "learner", "yes", "2026-11-22"] in rows
        # The cursor stays on the new user, so `r` changes their role.
        assert users.selected is not None and users.selected.email == "nina@example.org"
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("up", "enter")
        await settle(pilot)
        # A role change is a privilege change: it asks first (tests/tui/test_forms_never_discard.py).
        await pilot.press("y")
        await settle(pilot)
        assert ["Nina Newcomer", "nina@example.org", "trainer", "yes", "2026-11-22"] in table_rows(app, "#users-table")
        assert "Nina Newcomer <nina@example.org> is now trainer." in notifications(app)
    nina = services.users.list(admin, PageRequest(1, 50), search="nina").items
    assert [(u.email, u.role) for u in nina] == [("nina@example.org", Role.TRAINER)]
    assert services.auth.login("nina@example.org", "a long enough secret").principal.role is Role.TRAINER


async def test_create_user_form_shows_each_field_error_inline(app: SkillHubApp, services: Services,
                                                             admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"not-an-email", "tab", "tab", "tab", *"short", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        errors = {f: text_of(app, f"#field-{f} .form-field--error") for f in ("email", "full_name", "password")}
        assert errors == {
            "email": "Email must look like name@example.org",
            "full_name": "Name is required",
            "password": "Password must be at least 12 bytes",
        }
        assert dialog.query_one("#field-role").has_class("-invalid") is False
        assert app.focused is dialog.query_one("#new-email")
        # What was typed is not discarded without a yes.
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
    assert services.users.list(admin, PageRequest(1, 50)).total == 1


async def test_create_user_form_refuses_an_operator_object_as_email_inline(app: SkillHubApp, services: Services,
                                                                          admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*'{"$gt":""}@x.org', "tab", *"Nina Newcomer", "tab", "tab", *"a long enough secret",
                          "ctrl+s")
        await settle(pilot)
        assert text_of(app, "#field-email .form-field--error") == (
            "Email is not valid: the email address contains invalid characters before the @-sign: '\"', ':'")
        assert app.focused is app.screen.query_one("#new-email")
    assert services.users.list(admin, PageRequest(1, 50)).total == 1


async def test_deactivation_needs_a_yes_and_is_refused_for_yourself(app: SkillHubApp, services: Services,
                                                                    admin: Principal, learner: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        users = app.screen
        assert isinstance(users, UsersScreen)
        assert users.selected is not None and users.selected.email == "admin@example.org"
        await pilot.press("d", "y")
        await settle(pilot)
        assert "You cannot deactivate your own account." in notifications(app)
        await pilot.press("down", "d", "n")
        await settle(pilot)
        assert services.users.get(admin, learner.user_id).is_active
        await pilot.press("d", "y")
        await settle(pilot)
        assert not services.users.get(admin, learner.user_id).is_active
        assert app.screen.check_action("activate", ()) is True
        assert app.screen.check_action("deactivate", ()) is False


async def test_learner_is_refused_the_users_section_and_by_the_service(app: SkillHubApp,
                                                                      learner: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "learner@example.org")
        assert isinstance(app.screen, HomeScreen)
        sections = app.screen.query_one("#home-sections", OptionList)
        assert sections.get_option("5").disabled and not sections.get_option("2").disabled
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Users is for admins only." in notifications(app)
        assert all(entry.title != "Go to Users" for entry in app.palette_commands())
        # Even if a screen were opened by mistake, the service refuses the learner's principal.
        app.push_screen(SECTION_BY_KEY["5"].build(app.context))
        await settle(pilot)
        assert "Only admin users may manage users." in notifications(app)
        assert app.screen.query_one("#users-table", DataTable).row_count == 0


async def test_revoked_token_sends_back_to_login_at_the_next_key(app: SkillHubApp, services: Services,
                                                                admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        token = app.session.token
        assert token is not None
        services.auth.logout(token)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "You have been logged out. Please log in again."
        assert not app.session.logged_in
        assert app.check_action("section", ("5",)) is False


async def test_expired_token_sends_back_to_login_with_the_message(services: Services, admin: Principal) -> None:
    # A codec whose clock is two hours behind issues tokens that expired an hour ago.
    two_hours_ago = utc_now() - timedelta(hours=2)
    expired_auth = AuthService(services.uow, services.hasher, TokenCodec(TEST_SECRET, 60, clock=lambda: two_hours_ago),
                               AuthEventRepository(services.db), TokenDenyList(services.db), services.clock)
    app = build_app(replace(services, auth=expired_auth))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "Your session has expired. Please log in again."


async def test_logout_revokes_the_token_and_shows_login(app: SkillHubApp, services: Services,
                                                       admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        token = app.session.token
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == LOGGED_OUT
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "LoginScreen"]
    try:
        services.auth.authenticate(token)
    except SessionExpired as exc:
        assert "logged out" in exc.message
    else:
        raise AssertionError("the token still works after logout")


async def test_unreachable_mongodb_is_named_with_its_hint_within_seconds(settings: Settings, migrated: Endpoints,
                                                                        services: Services, admin: Principal) -> None:
    broken = services_for(replace(settings, connect_timeout_s=0.5), clock=fixed_clock(NOW),
                            endpoints=replace(migrated, mongo_url=f"mongodb://127.0.0.1:{closed_port()}/"))
    app = build_app(broken)
    try:
        async with app.run_test(size=SIZE) as pilot:
            started = time.monotonic()
            await log_in(pilot, "admin@example.org")
            assert time.monotonic() - started < 5
            assert isinstance(app.screen, DatabaseDownDialog)
            assert text_of(app, ".dialog-title") == "MongoDB is unreachable"
            assert "MONGO_URL" in text_of(app, "#database-down-hint")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            assert not app.screen.query_one("#login-submit").disabled
    finally:
        broken.close()


async def test_unreachable_postgresql_is_named_with_its_hint(settings: Settings, migrated: Endpoints,
                                                            services: Services) -> None:
    dead_pg = f"postgresql+psycopg2://skillhub@127.0.0.1:{closed_port()}/skillhub"
    broken = services_for(replace(settings, connect_timeout_s=0.5), clock=fixed_clock(NOW),
                            endpoints=replace(migrated, database_url=dead_pg))
    app = build_app(broken)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, "admin@example.org")
            assert isinstance(app.screen, DatabaseDownDialog)
            assert text_of(app, ".dialog-title") == "PostgreSQL is unreachable"
            assert "DATABASE_URL" in text_of(app, "#database-down-hint")
    finally:
        broken.close()


async def test_activity_log_shows_changes_newest_first_and_filters_by_actor(app: SkillHubApp, services: Services,
                                                                           admin: Principal,
                                                                           learner: Principal) -> None:
    services.users.change_role(admin, learner.user_id, Role.TRAINER)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityScreen)
        rows = table_rows(app, "#activity-table")
        assert len(rows) == 3
        assert rows[0] == ["2026-11-22 09:00", "admin@example.org", "user.role", f"user {learner.user_id}",
                           "learner → trainer"]
        assert text_of(app, "#activity-page") == "Page 1 of 1 · 3 entries"
        await pilot.press("slash", *"admin@example.org", "enter")
        await settle(pilot)
        assert [row[2] for row in table_rows(app, "#activity-table")] == ["user.role"]
        await pilot.press("c")
        await settle(pilot)
        assert len(table_rows(app, "#activity-table")) == 3


async def test_backspace_deletes_in_a_field_and_goes_back_elsewhere(app: SkillHubApp, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("slash", "a", "b", "c", "backspace")
        search = app.screen.query_one("#users-search", Input)
        assert search.value == "ab" and isinstance(app.screen, UsersScreen)
        await pilot.press("escape")
        assert app.focused is app.screen.query_one("#users-table")
        await pilot.press("backspace")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_users_pages_with_the_bracket_keys(app: SkillHubApp, services: Services, admin: Principal) -> None:
    for i in range(55):
        make_user(services, f"person{i:02d}@example.org", Role.LEARNER, f"Person {i:02d}")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert text_of(app, "#users-page") == "Page 1 of 2 · 56 users"
        assert app.screen.check_action("previous_page", ()) is None
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert text_of(app, "#users-page") == "Page 2 of 2 · 56 users"
        assert len(table_rows(app, "#users-table")) == 6
        assert app.screen.check_action("next_page", ()) is None


async def test_help_lists_this_screens_keys_and_the_global_ones(app: SkillHubApp, learner: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "learner@example.org")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        everywhere = text_of(app, "#help-global-keys")
        assert "Log out" in everywhere and "Users (admins only)" in everywhere
        assert "Progress" in everywhere and "not available" not in everywhere
        await pilot.press("escape")
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "Back" in text_of(app, "#help-global-keys")
        assert "Start" in text_of(app, "#help-screen-keys")


async def test_login_survives_a_burst_of_keys_as_from_a_pasted_line(app: SkillHubApp, admin: Principal) -> None:
    """Keys arriving together (paste, SSH) must land in the right field and submit the whole password."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst = [*"admin@example.org", "enter", *TEST_PASSWORD, "enter"]
        for key in burst:
            character = key if len(key) == 1 else ("\r" if key == "enter" else None)
            name = {" ": "space", "@": "at", ".": "full_stop"}.get(key, key)
            app.post_message(events.Key(name, character))
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_user_names_are_shown_verbatim_never_as_markup(services: Services, admin: Principal) -> None:
    from domain.models.users import SYSTEM, Role

    services.users.create(SYSTEM, "markup@example.org", "[red]Mallory[/red] {\"$ne\": \"\"}", Role.LEARNER.value,
                          "correct horse battery")
    app = build_app(services)
    async with app.run_test(size=(120, 30)) as pilot:
        await log_in(pilot, admin.email)
        await pilot.press("5")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        cells = [table.get_row_at(i)[0] for i in range(table.row_count)]
    # Cells are Text (never parsed as markup), so brackets and braces show as typed.
    assert all(isinstance(cell, Text) for cell in cells)
    assert "[red]Mallory[/red] {\"$ne\": \"\"}" in [cell.plain for cell in cells]


async def test_the_footer_is_rebuilt_only_when_its_keys_change(app: SkillHubApp, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        footer = app.screen.query_one(ShellFooter)
        keys = [key.key for key in footer.query(FooterKey)]
        # The screen's first key and help (which the footer keeps whatever the width) are shown.
        assert "n" in keys and "question_mark" in keys
        rebuilt = 0
        recompose = footer.recompose

        async def counted() -> None:
            nonlocal rebuilt
            rebuilt += 1
            await recompose()

        footer.recompose = counted  # type: ignore[method-assign]
        # Bindings "may have changed" (focus, cursor, a page loaded), but the keys shown did not.
        for _ in range(3):
            app.screen.refresh_bindings()
        await settle(pilot)
        assert rebuilt == 0
        # A key that changes state greys where it stands (with no row under the cursor, Role
        # greys): the footer is not mounted again for that.
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        role = [key for key in footer.query(FooterKey) if key.key == "r"]
        assert [key.has_class("-disabled") for key in role] == [False]
        screen.rows = ()
        screen.refresh_bindings()
        await settle(pilot)
        assert rebuilt == 0
        assert [key.has_class("-disabled") for key in footer.query(FooterKey) if key.key == "r"] == [True]
        assert [key for key in footer.query(FooterKey) if key.key == "r"] == role
        # Keys that come or go (a wider terminal fits more) rebuild it, once.
        shown = len(footer.query(FooterKey))
        await pilot.resize_terminal(160, SIZE[1])
        await settle(pilot)
        assert rebuilt == 1
        assert len(footer.query(FooterKey)) > shown


async def test_going_from_one_section_to_another_replaces_it_without_showing_home(app: SkillHubApp,
                                                                                  admin: Principal) -> None:
    resumed: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, events.ScreenResume):
            resumed.append(type(app.screen).__name__)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        resumed.clear()
        # The section is replaced; Home, under it, is not shown on the way.
        await pilot.press("7")
        await settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "HomeScreen", "ActivityScreen"]
        assert "HomeScreen" not in resumed
        await pilot.press("1")
        await settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "HomeScreen"]
