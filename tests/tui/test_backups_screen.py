"""The Backups screen (key 6): back up with progress, verify, restore after typing the name; its controller."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from domain.clock import Clock, fixed_clock
from domain.errors import ArchiveError, DatabaseUnavailable, PermissionDenied, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Principal, Role
from domain.infrastructure.connections import make_engine
from domain.services.container import Services
from domain.bootstrap import backup_service
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.backup import BACKUP_ACTION, RESTORE_ACTION, BackupService
from domain.services.backup_reports import Progress
from tests.conftest import NOW, TEST_PASSWORD, make_user
from tests.ops.helpers import ticking_clock
from tests.tui.conftest import build_app, log_in, settle
from tui.app import SkillHubApp
from tui.controllers.backups import (
    WRONG_NAME,
    BackupDone,
    BackupsController,
    ProgressRelay,
    ProgressSink,
    ProgressView,
    Verification,
)
from tui.screens.activity import ActivityScreen
from tui.screens.backups import BackupsScreen
from tui.screens.database_down import DatabaseDownDialog
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.restore_confirm import RestoreConfirmDialog
from tui.screens.restore_report import RestoreReportDialog
from tui.sections import SECTION_BY_KEY

SIZE = (80, 24)
# Shown on the snapshot, so it must not depend on pytest's temporary directory.
SNAPSHOT_BACKUP_DIR = Path(tempfile.gettempdir()) / "skillhub-backups-screen-snapshot"


def use_backups(services: Services, directory: Path, clock: Clock) -> BackupService:
    """Point the services' backups at `directory` (the session's shared one would accumulate archives)."""
    settings = replace(services.settings, backup_dir=directory, backup_keep=7)
    backups = backup_service(services.resources, services.activity, settings, clock=clock)
    services.backups = backups
    return backups


@pytest.fixture
def backups(services: Services, tmp_path: Path) -> BackupService:
    return use_backups(services, tmp_path / "backups", ticking_clock())


def text_of(app: SkillHubApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notifications(app: SkillHubApp) -> list[str]:
    return [n.message for n in app._notifications]


def table_rows(app: SkillHubApp, selector: str = "#backups-table") -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def emails(services: Services) -> set[str]:
    return {user.email for user in services.users.list(SYSTEM, PageRequest(1, 100)).items}


def damage_the_checksum(path: Path) -> None:
    """Flip a byte of the gzip trailer's CRC: the manifest still reads, the full check fails."""
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF
    path.write_bytes(bytes(data))


async def open_backups(pilot: Pilot[None], email: str = "admin@example.org") -> BackupsScreen:
    await log_in(pilot, email)
    await pilot.press("6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BackupsScreen)
    return screen


async def type_name(pilot: Pilot[None], typed: str) -> None:
    field = pilot.app.screen.query_one("#restore-confirm-name", Input)
    field.value = ""
    await pilot.press(*typed, "enter")
    await settle(pilot)


# -- Pilot tests --------------------------------------------------------------------------------


async def test_admin_backs_up_verifies_then_restores_only_after_typing_the_name(
        app: SkillHubApp, services: Services, admin: Principal, backups: BackupService) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot)
        assert table_rows(app) == []
        assert "No archive yet" in text_of(app, "#backups-detail")
        assert screen.check_action("verify", ()) is None and screen.check_action("restore", ()) is None

        await pilot.press("b")
        await settle(pilot)
        rows = table_rows(app)
        assert len(rows) == 1 and rows[0][-1] == "not yet"
        assert any(message.startswith("skillhub-2026112") and "written" in message for message in notifications(app))
        # The bar was fed to the end of the last step, then hidden.
        assert screen.query_one("#backups-progress-bar", ProgressBar).progress == 100
        assert text_of(app, "#backups-progress-label") == "Step 4 of 4 · Retention"
        assert not screen.query_one("#backups-progress").display
        archive = screen.selected
        assert archive is not None and (backups.directory / archive.name).is_file()
        assert archive.name in text_of(app, "#backups-detail")

        await pilot.press("v")
        await settle(pilot)
        assert table_rows(app)[0][-1] == "yes"
        assert "Verified: All" in text_of(app, "#backups-detail")

        services.users.create(SYSTEM, "late@example.org", "Late Comer", "learner", TEST_PASSWORD)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RestoreConfirmDialog)
        await type_name(pilot, "skillhub-wrong.tar.gz")
        assert isinstance(app.screen, RestoreConfirmDialog)
        assert text_of(app, "#restore-confirm-error") == WRONG_NAME
        assert "late@example.org" in emails(services)

        await type_name(pilot, archive.name)
        assert isinstance(app.screen, RestoreReportDialog)
        assert text_of(app, "#restore-report-title") == "Restore finished: every check passed"
        report = text_of(app, "#restore-report-lines")
        assert "Counts: all match the manifest" in report and "Drift check: databases agree" in report
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    assert "late@example.org" not in emails(services)
    assert emails(services) == {"admin@example.org"}


async def test_restore_that_removes_the_logged_in_admin_ends_the_session(
        app: SkillHubApp, services: Services, admin: Principal, backups: BackupService) -> None:
    older = backups.create(SYSTEM)
    make_user(services, "second@example.org", Role.ADMIN, "Second Admin")
    async with app.run_test(size=SIZE) as pilot:
        await open_backups(pilot, "second@example.org")
        await pilot.press("r")
        await settle(pilot)
        await type_name(pilot, older.path.name)
        assert isinstance(app.screen, RestoreReportDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-notice") == "Your account is no longer active. Please contact an administrator."
    assert emails(services) == {"admin@example.org"}


async def test_damaged_archive_is_refused_by_restore_and_fails_verification(
        app: SkillHubApp, services: Services, admin: Principal, backups: BackupService) -> None:
    damaged = backups.create(SYSTEM).path
    damage_the_checksum(damaged)
    services.users.create(SYSTEM, "kept@example.org", "Kept Person", "learner", TEST_PASSWORD)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_name(pilot, damaged.name)
        assert app.screen is screen
        refused = [m for m in notifications(app) if m.startswith("Restore refused, nothing was changed:")]
        assert len(refused) == 1 and "corrupt" in refused[0]
        assert table_rows(app)[0][-1] == "FAILED"
        assert screen.check_action("restore", ()) is None

        await pilot.press("v")
        await settle(pilot)
        assert table_rows(app)[0][-1] == "FAILED"
        assert "Verification FAILED" in text_of(app, "#backups-detail")
    assert "kept@example.org" in emails(services)
    # The refused restore is in the activity log, with its error line; the verification is not.
    [entry] = services.db["activity_logs"].find({"entity": "backup", "actor_email": "admin@example.org"})
    assert (entry["action"], entry["entity_id"], entry["details"]["outcome"]) == \
        (RESTORE_ACTION, damaged.name, "failed")
    assert refused[0] == f"Restore refused, nothing was changed: {entry['details']['error']}"


async def test_backup_and_restore_from_the_screen_are_in_the_activity_log_and_its_filter(
        app: SkillHubApp, services: Services, admin: Principal, backups: BackupService) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot)
        await pilot.press("b")
        await settle(pilot)
        archive = screen.selected
        assert archive is not None
        await pilot.press("r")
        await settle(pilot)
        await type_name(pilot, archive.name)
        await pilot.press("enter")
        await settle(pilot)
        # The restore brought back a log from before the first backup: a second one is logged after it.
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("escape", "7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityScreen)
        rows = table_rows(app, "#activity-table")
        assert [row[1:3] for row in rows[:2]] == [["admin@example.org", "backup.create"],
                                                  ["admin@example.org", "backup.restore"]]
        assert rows[1][3] == f"backup {archive.name}"
        assert rows[1][4].startswith("outcome=ok, documents=")
        # Both are choices of the action filter (a value that is not one is refused), and filter.
        choices = app.screen.query_one("#activity-action-filter", Select)
        for action in (BACKUP_ACTION, RESTORE_ACTION):
            choices.value = action
            await settle(pilot)
            assert [row[2] for row in table_rows(app, "#activity-table")] == [action]


async def test_an_unusable_backup_directory_is_named_on_the_screen_and_the_failed_backup_logged(
        app: SkillHubApp, services: Services, admin: Principal, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    use_backups(services, blocker / "backups", ticking_clock())
    problem = f"SKILLHUB_BACKUP_DIR {blocker / 'backups'} cannot be created: {blocker} is a file, not a directory"
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await open_backups(pilot)
        assert table_rows(app) == []
        assert text_of(app, "#backups-detail") == problem
        assert "Archives in" in text_of(app, "#backups-where")

        await pilot.press("b")
        await settle(pilot)
        assert screen.running is None and app.screen is screen
        assert problem in notifications(app)

        # The Activity screen shows the entry, and its error line uncut under the table.
        await pilot.press("escape", "7")
        await settle(pilot)
        assert table_rows(app, "#activity-table")[0][2:4] == [BACKUP_ACTION, "backup"]
        assert text_of(app, "#activity-detail").splitlines()[1] == \
            f"outcome=failed, error={problem}, directory={blocker / 'backups'}"
    [entry] = services.db["activity_logs"].find({"action": BACKUP_ACTION})
    assert (entry["actor_email"], entry["details"]["outcome"], entry["details"]["error"]) == \
        ("admin@example.org", "failed", problem)


async def test_a_backup_left_half_way_goes_on_and_its_outcome_is_still_told(
        app: SkillHubApp, services: Services, admin: Principal, backups: BackupService) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_backups(pilot)
        gate = threading.Event()
        real_backup = screen.controller.backup

        def held_backup(sink: ProgressSink | None = None) -> BackupDone:
            gate.wait(30)
            return real_backup(sink)

        screen.controller.backup = held_backup  # type: ignore[method-assign]
        await pilot.press("b")
        await pilot.pause()
        assert screen.running == "Backup" and screen.query_one("#backups-progress").display
        assert [screen.check_action(a, ()) for a in ("backup", "verify", "restore")] == [None, None, None]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        gate.set()
        # The worker of a screen that was left is cancelled, but its thread runs to the end.
        for _ in range(100):
            if any(" written: " in m for m in notifications(app)):
                break
            await asyncio.sleep(0.1)
        assert any(" written: " in m for m in notifications(app))
        assert isinstance(app.screen, HomeScreen)
    assert len(list(backups.directory.glob("skillhub-*.tar.gz"))) == 1


async def test_learner_is_refused_the_backups_section_and_by_the_service(
        app: SkillHubApp, services: Services, learner: Principal, backups: BackupService) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "learner@example.org")
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Backups is for admins only." in notifications(app)
        # Even if the screen were opened by mistake, the service refuses the learner's principal.
        app.push_screen(SECTION_BY_KEY["6"].build(app.context))
        await settle(pilot)
        assert "Only admin users may list backups." in notifications(app)
        await pilot.press("b")
        await settle(pilot)
        assert "Only admin users may back up the databases." in notifications(app)
    assert not backups.directory.exists() or list(backups.directory.iterdir()) == []


async def test_unreachable_postgresql_during_a_backup_is_named(
        app: SkillHubApp, services: Services, admin: Principal, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead_url = f"postgresql+psycopg2://skillhub@127.0.0.1:{port}/skillhub"
    dead = make_engine(dead_url, 1)
    settings = replace(services.settings, backup_dir=tmp_path / "backups", connect_timeout_s=1)
    unreachable = replace(services.resources, engine=dead, endpoints=replace(services.endpoints, database_url=dead_url),
                          uow_factory=lambda: UnitOfWork(dead, services.relay.settle_committed))
    services.backups = backup_service(unreachable, services.activity, settings)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_backups(pilot)
            await pilot.press("b")
            await settle(pilot)
            assert isinstance(app.screen, DatabaseDownDialog)
            assert text_of(app, ".dialog-title") == "PostgreSQL is unreachable"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and screen.running is None
            assert screen.check_action("backup", ()) is True
    finally:
        dead.dispose()


# -- The controller, without a UI -------------------------------------------------------------------


def test_controller_restores_only_with_the_exact_name_and_only_for_admins(
        services: Services, admin: Principal, learner: Principal, backups: BackupService) -> None:
    name = backups.create(SYSTEM).path.name
    services.users.create(SYSTEM, "late@example.org", "Late Comer", "learner", TEST_PASSWORD)
    controller = BackupsController(backups, lambda: admin)
    with pytest.raises(ValidationError, match="not this archive's name"):
        controller.restore(name, name.upper())
    with pytest.raises(ValidationError, match="not a SkillHub archive name"):
        controller.restore("../etc/passwd", "../etc/passwd")
    assert "late@example.org" in emails(services)
    outcome = controller.restore(name, f"  {name} ")
    assert outcome.ok and outcome.drift_ok and "late@example.org" not in emails(services)
    assert controller.archives().rows[0].verification is Verification.PASSED
    refused = BackupsController(backups, lambda: learner)
    with pytest.raises(PermissionDenied):
        refused.archives()
    with pytest.raises(PermissionDenied):
        refused.verify(name)


def test_controller_lists_newest_first_and_remembers_verification_per_file(
        services: Services, admin: Principal, backups: BackupService) -> None:
    first = backups.create(SYSTEM).path
    second = backups.create(SYSTEM).path
    controller = BackupsController(backups, lambda: admin)
    listing = controller.archives()
    assert [row.name for row in listing.rows] == [second.name, first.name]
    assert listing.label == "2 archives · newest 7 kept"
    assert listing.where == f"Archives in {backups.directory}"
    row = listing.rows[0]
    # The admin and their leaderboard row (learner_scores, issue 11), the outbox records of
    # their creation and of the first backup, the Alembic revision; the two activity entries.
    assert row.cells[2:] == ("5 rows", "2 documents", "not yet")
    assert controller.verify(second.name).passed
    assert controller.archives().rows[0].verification is Verification.PASSED
    # Altered after its check: no longer counted as verified.
    damage_the_checksum(second)
    assert controller.archives().rows[0].verification is Verification.UNKNOWN
    failed = controller.verify(second.name)
    assert not failed.passed and "corrupt" in failed.message
    with pytest.raises(ArchiveError, match="Restore refused, nothing was changed"):
        controller.restore(second.name, second.name)
    (backups.directory / "skillhub-20990101T000000Z.tar.gz").write_bytes(b"not an archive")
    unreadable = controller.archives().rows[0]
    assert unreadable.verification is Verification.UNREADABLE and not unreadable.restorable
    assert unreadable.taken == "2099-01-01 00:00:00"


def test_progress_relay_passes_on_visible_changes_and_survives_a_failing_display() -> None:
    seen: list[ProgressView] = []
    relay = ProgressRelay(seen.append)
    for done in (0, 1, 1, 2):
        relay(Progress(2, 4, "MongoDB export: users", done, 4))
    assert seen == [ProgressView("Step 2 of 4 · MongoDB export: users", p) for p in (25, 31, 37)]

    calls = 0

    def broken(view: ProgressView) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("the app has closed")

    failing = ProgressRelay(broken)
    failing(Progress(1, 4, "PostgreSQL dump", 0, 1))
    failing(Progress(1, 4, "PostgreSQL dump", 1, 1))
    assert calls == 1


def test_backups_controller_imports_no_textual() -> None:
    code = (
        "import sys, tui.controllers.backups\n"
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- Snapshot -----------------------------------------------------------------------------------------


@pytest.fixture
def snapshot_backups(services: Services) -> Iterator[BackupService]:
    shutil.rmtree(SNAPSHOT_BACKUP_DIR, ignore_errors=True)
    backups = use_backups(services, SNAPSHOT_BACKUP_DIR, fixed_clock(NOW))
    yield backups
    shutil.rmtree(SNAPSHOT_BACKUP_DIR, ignore_errors=True)


def test_backups_screen_with_one_verified_archive(snap_compare, services: Services, admin: Principal,
                                                  snapshot_backups: BackupService) -> None:
    """Backups at 80x24 after `v`: "Archives in /tmp/skillhub-backups-screen-snapshot" and "1 archive ·
    newest 7 kept"; one row, highlighted: taken 2026-11-22 09:00:00, its size, "3 rows", "1 document",
    "yes"; under the table the details: skillhub-20261122T090000Z.tar.gz in bold, "PostgreSQL: 3 tables,
    3 rows · Alembic revision …", "MongoDB: 3 collections, 1 document", "Verified: All 8 files match
    the manifest (3 rows, 1 document)."; no progress bar; the footer keys Back up, Verify, Restore,
    Quit, Help, Back, Log out. (The verification toast is cleared so that the details show.)"""
    # The archive's size is on screen: a bcrypt hash with a fixed salt keeps it the same to a few bytes.
    fixed_hash = bcrypt.hashpw(TEST_PASSWORD.encode(), b"$2b$04$SkillHubSnapshotSalt..").decode()
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :hash"), {"hash": fixed_hash})
    snapshot_backups.create(SYSTEM)

    async def verify_it(pilot: Pilot[None]) -> None:
        await open_backups(pilot)
        await pilot.press("v")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=verify_it)


def test_a_backup_whose_log_entry_cannot_be_written_says_so_and_still_succeeds(
        services: Services, admin: Principal, backups: BackupService, monkeypatch: pytest.MonkeyPatch) -> None:
    def postgres_gone(*args: object, **kwargs: object) -> int:
        raise DatabaseUnavailable("PostgreSQL", "connection refused", "Check DATABASE_URL.")

    monkeypatch.setattr(services.activity, "record", postgres_gone)
    done = BackupsController(backups, lambda: admin).backup()

    assert (backups.directory / done.name).is_file()
    assert done.summary.endswith(" Note: the activity-log entry could not be written: PostgreSQL is unreachable "
                                 "(connection refused). Check DATABASE_URL.")
