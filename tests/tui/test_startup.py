"""The login screen first, the services behind it: nothing typed early is lost, a failed start is explained."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from textual.widgets import Input

from domain.errors import DatabaseUnavailable
from domain.models.users import Principal
from domain.services.auth import AuthService
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD
from tests.tui.conftest import build_app, settle
from tests.tui.test_flows import text_of
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.startup import ServicesStartup

SIZE = (80, 24)
DOWN = DatabaseUnavailable("PostgreSQL", "connection refused at 127.0.0.1:5999",
                           "start it, or check DATABASE_URL")


class RecordingAuth(AuthService):
    """The auth service, noting when the hasher is warmed and when a login is answered."""

    def __init__(self, auth: AuthService, calls: list[str]) -> None:
        self.__dict__.update(auth.__dict__)
        self.calls = calls

    def warm_up(self) -> None:
        self.calls.append("warm_up")
        super().warm_up()

    def login(self, email: object, password: object, source: str = "tui"):  # type: ignore[no-untyped-def]
        self.calls.append("login")
        return super().login(email, password, source)


def gated(services: Services, gate: threading.Event, calls: list[str]) -> Callable[[], Services]:
    """A start that waits for `gate`, as a cold start waits for its servers."""
    def prepare() -> Services:
        calls.append("prepare")
        gate.wait(10)
        return replace(services, auth=RecordingAuth(services.auth, calls))
    return prepare


async def type_login(pilot, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*email, "enter", *password, "enter")


async def test_a_login_typed_before_the_services_are_ready_waits_for_them(services: Services,
                                                                          admin: Principal) -> None:
    gate, calls = threading.Event(), []
    app = build_app(ServicesStartup(gated(services, gate, calls)))  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await type_login(pilot, "admin@example.org", TEST_PASSWORD)
        await pilot.pause(0.1)
        # Still preparing: the login waits, the form keeps what was typed.
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#email", Input).value == "admin@example.org"
        assert str(app.screen.query_one("#login-submit").label) == "Logging in…"
        gate.set()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    # The dummy hash for unknown emails was made before the first login was answered.
    assert calls == ["prepare", "warm_up", "login"]


async def test_an_unreachable_database_at_start_is_named_on_the_login_screen_and_the_next_login_tries_again(
        services: Services, admin: Principal) -> None:
    attempts: list[str] = []

    def prepare() -> Services:
        attempts.append("prepare")
        if len(attempts) == 1:
            raise DOWN
        return services

    app = build_app(ServicesStartup(prepare))  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-error") == DOWN.message
        assert "PostgreSQL is unreachable" in DOWN.message and "DATABASE_URL" in DOWN.message
        # Typing goes on in the form (no panel took the keys), and the login starts the services again.
        await type_login(pilot, "admin@example.org", TEST_PASSWORD)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert attempts == ["prepare", "prepare"]

