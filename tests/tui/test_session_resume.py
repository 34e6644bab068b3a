"""A session that ends while someone works asks for the password over the screen and loses nothing typed."""

from __future__ import annotations

import copy
import threading
from dataclasses import replace
from datetime import timedelta

from textual.widgets import Input, TextArea

from domain.clock import fixed_clock, utc_now
from domain.models.users import Principal, Role
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.services.container import Services
from domain.security.tokens import TokenCodec
from domain.services.auth import GENERIC_FAILURE, REAUTH_SOURCE, AuthService, Session
from tests.conftest import TEST_PASSWORD, TEST_SECRET
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.test_controllers import CountingChecks
from tests.tui.test_flows import notifications, text_of
from tests.tui.test_workshops_flows import open_workshops, tab_label
from tests.tui.workshops_data import schedule
from tui.app import SkillHubApp
from tui.controllers.session import SessionKeeper
from tui.screens.activity import ActivityScreen
from tui.screens.comment import CommentDialog
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.reauth import ReauthDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.users import UsersScreen

SIZE = (80, 24)
BODY = 'Bring [bold]laptops[/bold] {"$ne": ""}\nand the chargers'


def expire_session(app: SkillHubApp, person: Principal) -> None:
    """The token the app holds is now one of `person` whose hour has passed."""
    codec = TokenCodec(TEST_SECRET, 60, clock=fixed_clock(utc_now() - timedelta(hours=2)))
    issued = codec.issue(person.user_id, person.role)
    principal = app.session.principal
    assert principal is not None
    app.session.begin(Session(issued.token, principal, issued.expires_at))


async def open_comment_dialog(app: SkillHubApp, pilot, email: str) -> CommentDialog:  # type: ignore[no-untyped-def]
    """Log in, open the first workshop's registrations, press m, type BODY."""
    await open_workshops(pilot, email)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, CommentDialog)
    dialog.query_one("#comment-body", TextArea).load_text(BODY)
    return dialog


def comment_text(dialog: CommentDialog) -> str:
    return dialog.query_one("#comment-body", TextArea).text


async def test_a_comment_sent_after_the_session_expired_is_saved_once_the_password_is_given(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        comment = await open_comment_dialog(app, pilot, "trainer@example.org")
        expire_session(app, trainer)
        await pilot.press("ctrl+s")
        await settle(pilot)
        reauth = app.screen
        assert isinstance(reauth, ReauthDialog)
        assert text_of(app, "#reauth-reason") == "Your session has expired. Please log in again."
        assert reauth.query_one("#reauth-email", Input).value == "trainer@example.org"
        assert app.focused is reauth.query_one("#reauth-password", Input)
        # Underneath, the comment dialog is as it was, text included; nothing is saved yet.
        assert app.screen_stack[-2] is comment and comment_text(comment) == BODY
        assert services.registrations.sheet(trainer, workshop.id).comments == []
        # Escape (a split key sequence over SSH) does not throw the work away.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is reauth
        await pilot.press(*"not the password", "enter")
        await settle(pilot)
        assert app.screen is reauth and text_of(app, "#reauth-error") == GENERIC_FAILURE
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
        assert "Comment added." in notifications(app)
        assert tab_label(app, "comments") == "Comments 1"
    (saved,) = services.registrations.sheet(trainer, workshop.id).comments
    assert saved.body == BODY
    events = AuthEventRepository(services.db).recent("trainer@example.org")
    assert [e["outcome"] for e in reversed(events) if e["source"] == REAUTH_SOURCE] == ["bad_credentials", "success"]


async def test_a_session_revoked_elsewhere_says_so_and_resumes_the_same_way(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        comment = await open_comment_dialog(app, pilot, "trainer@example.org")
        services.auth.logout(app.session.token)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReauthDialog)
        assert text_of(app, "#reauth-reason") == "You have been logged out. Please log in again."
        assert comment_text(comment) == BODY
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationsScreen)
    assert [c.body for c in services.registrations.sheet(trainer, workshop.id).comments] == [BODY]


async def test_a_role_change_is_checked_again_after_the_password(
        app: SkillHubApp, services: Services, admin: Principal, trainer: Principal) -> None:
    """Decision: a role change ends the session; the same person goes on with the new role after their
    password, and what was pending is checked again against it (here refused, the text kept)."""
    workshop = schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        comment = await open_comment_dialog(app, pilot, "trainer@example.org")
        services.users.change_role(admin, trainer.user_id, "learner")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReauthDialog)
        assert text_of(app, "#reauth-reason") == "Your role changed from trainer to learner. Please log in again."
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert app.screen is comment and comment_text(comment) == BODY
        assert text_of(app, "#comment-error") == "Only trainers and admins may comment on workshops."
        assert app.sub_title == "Tom Trainer · learner"
    assert services.registrations.sheet(admin, workshop.id).comments == []


async def test_a_role_change_that_closes_the_section_goes_home_saying_why(
        app: SkillHubApp, services: Services, admin: Principal) -> None:
    second_admin = services.users.create(admin, "root@example.org", "Rita Root", "admin", TEST_PASSWORD)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        root = Principal(second_admin.id, second_admin.email, second_admin.full_name, Role.ADMIN, "test")
        services.users.change_role(root, admin.user_id, "trainer")
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"nina@example.org")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReauthDialog)
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Users is for admins only." in notifications(app)


async def test_a_deactivated_account_goes_to_the_login_screen_at_once(
        app: SkillHubApp, services: Services, admin: Principal, trainer: Principal) -> None:
    schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        await open_comment_dialog(app, pilot, "trainer@example.org")
        services.users.set_active(admin, trainer.user_id, False)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "Your account is no longer active. Please contact an administrator."
        assert not app.session.logged_in


async def test_another_email_in_the_password_dialog_logs_out_to_the_login_screen(
        app: SkillHubApp, services: Services, trainer: Principal) -> None:
    schedule(services, trainer, "Writing clean SQL", days=3)
    async with app.run_test(size=SIZE) as pilot:
        await open_comment_dialog(app, pilot, "trainer@example.org")
        expire_session(app, trainer)
        await pilot.press("ctrl+s")
        await settle(pilot)
        reauth = app.screen
        assert isinstance(reauth, ReauthDialog)
        reauth.query_one("#reauth-email", Input).value = "someone.else@example.org"
        await pilot.press(*TEST_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == (
            "Logged out of trainer@example.org: log in as someone.else@example.org.")
        assert not app.session.logged_in
    # No password was tried for the other email.
    assert AuthEventRepository(services.db).recent("someone.else@example.org") == []


async def test_activity_renews_the_session_token_past_half_its_lifetime(services: Services,
                                                                       admin: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    # The login is dated 40 minutes ago (of a 60-minute token); the next action happens now.
    issued_at = [now - timedelta(minutes=40)]
    codec = TokenCodec(TEST_SECRET, 60, clock=lambda: issued_at[0])
    auth = AuthService(services.uow, services.hasher, codec, AuthEventRepository(services.db),
                       TokenDenyList(services.db), services.clock)
    app = build_app(replace(services, auth=auth))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        first = app.session.token
        issued_at[0] = now
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        renewed = app.session.token
        assert renewed is not None and renewed != first
        assert app.session.principal is not None
        assert app.session.principal.token_id == services.auth.authenticate(renewed).token_id


async def test_opening_a_section_checks_the_session_token_once(app: SkillHubApp, admin: Principal) -> None:
    """The key that opens a section is one action: one token check, however many loads the screen starts."""
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        checks = CountingChecks(app.session)
        for key, screen in (("5", UsersScreen), ("7", ActivityScreen), ("1", HomeScreen)):
            before = checks.count
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen)
            assert checks.count - before == 1, key


async def test_a_token_revoked_after_a_section_opened_is_refused_at_the_next_key(
        app: SkillHubApp, services: Services, admin: Principal) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        services.auth.logout(app.session.token)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, ReauthDialog)
        assert text_of(app, "#reauth-reason") == "You have been logged out. Please log in again."


class HeldChecks:
    """Holds every token check (AuthService.resume) of a keeper until `release` is set."""

    def __init__(self, keeper: SessionKeeper) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        resume = keeper._auth_of().resume

        def held(token: object) -> Session:
            self.started.set()
            assert self.release.wait(10), "the test never released the check"
            return resume(token)

        auth = copy.copy(keeper._auth_of())
        auth.resume = held  # type: ignore[method-assign]
        keeper._auth_of = lambda: auth  # type: ignore[method-assign]


async def test_home_is_shown_before_its_session_check_ends_and_the_check_still_decides(
        app: SkillHubApp, services: Services, admin: Principal) -> None:
    """Decision: Home shows who you are and the sections, nothing a service holds, so its key does
    not wait for the session check it makes; the check's verdict applies as on any key (from Home,
    an ended session goes to the login screen) and the role shown is the database's."""
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        checks = HeldChecks(app.session)
        await pilot.press("1")
        assert checks.started.wait(5)
        await pilot.pause()
        # Home is up while the check is still waiting for its answer.
        assert isinstance(app.screen, HomeScreen)
        assert not checks.release.is_set()
        # Revoked meanwhile (logged out elsewhere): the check that was under way says so.
        services.auth.logout(app.session.token)
        checks.release.set()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "You have been logged out. Please log in again."
        assert not app.session.logged_in


async def test_a_role_changed_elsewhere_ends_the_session_at_the_home_key_as_at_any_key(
        app: SkillHubApp, services: Services, admin: Principal, trainer: Principal) -> None:
    """The Home key's check reads the account: a role changed while a section was open ends the
    session there, with the reason, at the login screen (nothing is left to keep on Home)."""
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "trainer@example.org")
        await pilot.press("2")
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)
        services.users.change_role(admin, trainer.user_id, "learner")
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "Your role changed from trainer to learner. Please log in again."
        assert not app.session.logged_in
