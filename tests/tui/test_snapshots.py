"""Snapshot tests (pytest-textual-snapshot): fixed clock, seeded data, no cursor blink, no animation.

Review every changed SVG before accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

from textual.pilot import Pilot

from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle

PEOPLE = [
    ("camille.martin@example.org", "Camille Martin", Role.TRAINER),
    ("hugo.bernard@example.org", "Hugo Bernard", Role.TRAINER),
    ("lea.dubois@example.org", "Lea Dubois", Role.LEARNER),
    ("lucas.thomas@example.org", "Lucas Thomas", Role.LEARNER),
    ("chloe.robert@example.org", "Chloe Robert", Role.LEARNER),
    ("nathan.richard@example.org", "Nathan Richard", Role.LEARNER),
]


def seed_people(services: Services, admin: Principal) -> None:
    for email, name, role in PEOPLE:
        make_user(services, email, role, name)
    chloe = services.users.list(admin, PageRequest(1, 50), search="chloe").items[0]
    services.users.set_active(admin, chloe.id, False)


async def as_admin(pilot: Pilot[None]) -> None:
    await log_in(pilot, "admin@example.org")


def test_login_screen_empty(snap_compare, services: Services) -> None:
    """The login box centred at 80x24: "SkillHub", the hint line, an empty Email field with the
    cursor, an empty Password field, the "Log in" button and the keys hint; no notice, no error;
    the footer shows only ^q Quit."""
    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=settle)


def test_login_screen_with_the_generic_error(snap_compare, services: Services, admin: Principal) -> None:
    """After a wrong password: the email is kept, the password is emptied and focused, and the red
    line "Login failed: check your email and password." sits above the Log in button."""

    async def wrong_password(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org", "not the right password")

    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=wrong_password)


def test_home_for_an_admin(snap_compare, services: Services, admin: Principal) -> None:
    """Home after login: header "Home — Ada Admin · admin", "Ada Admin <admin@example.org> · Sunday
    22 November 2026", the admin role line, and the seven sections with their digits (each with its summary), the first one highlighted;
    the footer shows k SSH keys first."""
    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=as_admin)


def test_home_for_a_learner_greys_admin_sections(snap_compare, services: Services, learner: Principal) -> None:
    """Home for Lea Learner: Users, Backups and Activity log are greyed with "admins only"; k SSH keys in
    the footer (everyone manages their own keys)."""

    async def as_learner(pilot: Pilot[None]) -> None:
        await log_in(pilot, "learner@example.org")

    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=as_learner)


def test_users_screen(snap_compare, services: Services, admin: Principal) -> None:
    """Users at 100x30: the search field, "Page 1 of 1 · 7 users", seven rows sorted by name with
    Chloe Robert inactive ("no"), the cursor on Ada Admin, and the footer keys New, Role,
    Deactivate, Password, SSH keys, greyed "[] Page", Help, Back, Log out, Quit."""
    seed_people(services, admin)

    async def open_users(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=open_users)


def test_help_on_the_users_screen(snap_compare, services: Services, admin: Principal) -> None:
    """Help over Users at 80x24: "Keys — Users"; left, the screen's keys (New, Role, Deactivate,
    Password, SSH keys, Search, and Previous/Next page greyed with why: "Everything is on this page.");
    right, the global keys (Help, Back, Log out, Quit, Command palette) and the seven sections."""

    async def open_help(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=open_help)


def test_create_user_form_with_errors(snap_compare, services: Services, admin: Principal) -> None:
    """The New user dialog after submitting an empty form: red errors under Email ("Email must be
    at least 3 characters"), Full name ("Name is required") and Password ("Password must be at least
    12 bytes"); Role keeps "learner"; the Email field has the focus."""

    async def empty_form(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(80, 24), run_before=empty_form)


LEA_KEYS = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF6riNKjfXVEUvLlDPkvakU+tSr7xcUZ7kL7IzCWe5lE lea@laptop [/]",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIqyIREGnvYanT1ChTvnJFayg/SG8JiL4tqcsXhI"
    "c3EiSv4zlmKlOh1WKbUDR8FRiHzGNSj1Yy2hQa4CpuPG3AM= [@click=app.quit]x[/]",
)


def test_ssh_keys_of_a_learner_opened_by_an_admin(snap_compare, services: Services, admin: Principal) -> None:
    """SSH keys at 100x30, opened from Users with k on Lea Dubois: "Lea Dubois <lea.dubois@example.org> · 2 keys",
    the table (ED25519 256 and ECDSA 256, the comments "lea@laptop [/]" and "[@click=app.quit]x[/]" shown
    literally, added 2026-11-22, never used, then the SHA256 fingerprints), the hint that these keys log
    in with no password, and the footer keys Add key, Remove, Help, Back, Log out, Quit."""
    seed_people(services, admin)
    lea = services.users.list(admin, PageRequest(1, 50), search="lea dubois").items[0]
    for line in LEA_KEYS:
        services.ssh_keys.add(admin, lea.id, line)

    async def open_keys(pilot: Pilot[None]) -> None:
        await log_in(pilot, "admin@example.org")
        await pilot.press("5")
        await settle(pilot)
        screen = pilot.app.screen
        screen.table.move_cursor(row=[row.email for row in screen.rows].index("lea.dubois@example.org"))
        await pilot.press("k")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=open_keys)
