"""First run: the login screen says where the demo credentials are until someone logs in; `prepare` is short."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.widgets import Static

from domain.clock import fixed_clock
from domain.devdata.seed import demo_accounts_file
from domain.infrastructure.migrate import UpgradeReport
from domain.models.users import Principal
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD
from tests.tui.conftest import log_in, settle
from tui.app import SkillHubApp
from tui.controllers.login import DemoAccounts
from tui.screens.login import INTRO, LoginScreen

SIZE = (100, 30)
DEMO = DemoAccounts("/home/ada/.local/share/skillhub/demo-credentials.txt", "admin@example.org")


def with_demo(services: Services) -> SkillHubApp:
    """The app as the tests build it (tests/tui/conftest.py), told of a first run's demo accounts."""
    app = SkillHubApp(services, clock=fixed_clock(NOW), cursor_blink=False, demo=lambda: DEMO)
    app.animation_level = "none"
    return app


def intro(app: SkillHubApp) -> str:
    return str(app.screen.query_one("#login-intro", Static).render())


async def test_first_run_login_names_the_credentials_file_and_admin_until_the_first_login(
        services: Services, admin: Principal) -> None:
    app = with_demo(services)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert intro(app) == ("First run: log in as admin@example.org; the demo password is in "
                              "/home/ada/.local/share/skillhub/demo-credentials.txt.")
        assert TEST_PASSWORD not in intro(app)
        await log_in(pilot, "admin@example.org")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert intro(app) == INTRO
    # Someone has logged in: a new app on the same databases does not say it again.
    again = with_demo(services)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert intro(again) == INTRO


def test_the_credentials_file_gives_its_path_and_the_admin_never_the_password(tmp_path: Path) -> None:
    assert demo_accounts_file(tmp_path) is None
    path = tmp_path / "demo-credentials.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("password: s3cret-s3cret\nadmin@skillhub.demo\ncamille.martin@skillhub.demo\n")
    assert demo_accounts_file(tmp_path) == (path, "admin@skillhub.demo")
    # Reading it leaves it as it was: readable only by its owner.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_first_upgrade_is_summed_up_in_two_lines() -> None:
    actions = ["created collection activity_logs", "created index activity_logs.at_desc",
               "created index activity_logs.actor_at", "created collection auth_events"]
    report = UpgradeReport(None, "0006", actions)
    assert report.summary() == ["PostgreSQL: upgraded empty -> 0006",
                                "MongoDB: created 2 collections and 2 indexes (each one in the log file)"]
    assert UpgradeReport("0006", "0006", []).summary() == [
        "PostgreSQL: already at head (0006)", "MongoDB: collections, validators and indexes already in place"]


async def test_the_hint_comes_once_the_services_prepared_behind_the_login_screen_are_ready(
        services: Services, admin: Principal) -> None:
    from tui.startup import ServicesStartup

    app = SkillHubApp(ServicesStartup(lambda: services), clock=fixed_clock(NOW), cursor_blink=False,
                      demo=lambda: DEMO)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert intro(app).startswith("First run: log in as admin@example.org;")


def test_an_upgrade_past_the_scores_revision_builds_the_leaderboard_once_where_run_prepares() -> None:
    """The migration that adds the leaderboard's figures cannot read MongoDB: `skillhub run`
    builds them while preparing (its summary says nothing to do), `db upgrade` says to run doctor."""
    crossed = UpgradeReport("0005", "0008", [])
    assert crossed.needs_scores_built
    assert not UpgradeReport(None, "0008", []).needs_scores_built  # a new database: nothing to build
    assert not UpgradeReport("0006", "0008", []).needs_scores_built
    assert crossed.lines()[-1] == ("Leaderboard: run 'skillhub doctor --repair' once to build its figures "
                                   "from both databases")
    assert not any("doctor" in line for line in crossed.summary())
