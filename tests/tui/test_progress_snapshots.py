"""Snapshot tests of Progress, Leaderboard, the challenge form and the badge admin.

Data is seeded through the services at fixed dates (the test clock says Sunday 22 November
2026, 09:00 UTC), so every run draws the same screens. Review every changed SVG before
accepting it (`make snapshots`, then snapshot_report.html).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from textual.pilot import Pilot

from domain.clock import fixed_clock
from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import NOW, make_user, with_clock
from tests.tui.conftest import build_app, log_in, settle

# Learners besides Lea, with the challenges (by title) each has completed.
OTHERS = [
    ("hugo.bernard@example.org", "Hugo Bernard", ["Cycle to the training centre", "Vegetarian week"]),
    ("chloe.robert@example.org", "Chloe Robert", ["Cycle to the training centre"]),
    ("lucas.thomas@example.org", "Lucas Thomas", ["Cycle to the training centre"]),
    ("nathan.richard@example.org", "Nathan Richard", ["Zero-waste lunch week"]),
]
CHALLENGES = [
    ("Switch off standby devices", "energy", 50, "easy", "12.5", "ADEME 2023"),
    ("Wash laundry cold for a month", "energy", 80, "medium", "20", "ADEME, Base Empreinte"),
    ("Zero-waste lunch week", "waste", 60, "easy", None, None),
    ("Cycle to the training centre", "mobility", 120, "medium", "60", "Base Carbone"),
    ("Vegetarian week", "food", 90, "medium", "15", "Agribalyse 3.1"),
    ("Five-minute showers", "water", 50, "easy", "8", "ADEME"),
]


def seed_world(services: Services, admin: Principal) -> Principal:
    """Six challenges, four badges and five learners; Lea's steps spread over ten weeks. Returns Lea."""
    trainer = make_user(services, "camille.martin@example.org", Role.TRAINER, "Camille Martin")
    lea = make_user(services, "lea.dubois@example.org", Role.LEARNER, "Lea Dubois")
    ids = {title: services.challenges.create(admin, title, f"Demo: {title.lower()}.", category, points, level,
                                             co2, source).id
           for title, category, points, level, co2, source in CHALLENGES}
    for code, name, rule, threshold, category, bonus, validity in [
        ("first-steps", "First steps", "challenges_completed", 1, None, 10, None),
        ("energy-saver", "Energy saver", "challenges_completed", 2, "energy", 25, None),
        ("high-scorer", "High scorer", "points", 150, None, 50, 14),
        ("helper", "Helping hand", "points", 10_000, None, 40, None),
    ]:
        services.badges.apply(admin, code, name, f"{name} badge.", rule, threshold, category, bonus, validity)

    def step(days_ago: int, who: Principal, title: str, percent: int) -> None:
        progress = services.progress.with_clock(fixed_clock(NOW - timedelta(days=days_ago)))
        if percent == 0:
            progress.start(who, ids[title])
        else:
            progress.update(who, ids[title], percent)

    for days_ago, title, percent in [
        (66, "Switch off standby devices", 0), (63, "Switch off standby devices", 50),
        (59, "Switch off standby devices", 100), (41, "Cycle to the training centre", 0),
        (38, "Cycle to the training centre", 60), (34, "Cycle to the training centre", 100),
        (20, "Wash laundry cold for a month", 0), (13, "Wash laundry cold for a month", 100),
        (6, "Zero-waste lunch week", 0), (3, "Zero-waste lunch week", 40), (1, "Five-minute showers", 0),
    ]:
        step(days_ago, lea, title, percent)
    with_clock(services, NOW - timedelta(days=10)).badges.award(trainer, "helper", lea.user_id, "Ran the repair cafe")
    with_clock(services, NOW - timedelta(days=5)).badges.revoke(trainer, "helper", lea.user_id, "Counted twice")
    for number, (email, name, titles) in enumerate(OTHERS):
        other = make_user(services, email, Role.LEARNER, name)
        for title in titles:
            step(30 - number, other, title, 0)
            step(29 - number, other, title, 100)
    return lea


def open_section(email: str, key: str, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run(pilot: Pilot[None]) -> None:
        await log_in(pilot, email)
        await pilot.press(key)
        await settle(pilot)
        for pressed in keys:
            await pilot.press(pressed)
            await settle(pilot)

    return run


def test_progress_screen_of_a_learner(snap_compare, services: Services, admin: Principal) -> None:
    """Lea Dubois's progress at 100x30: the summary "3 of 5 completed · 2 badges held"; the
    chart "Points a week, last 12 weeks: 285, best 120" with bars in three weeks over the labels "31 Aug
    21 Sep 12 Oct 2 Nov now"; "Score 285" with "= 250 challenges", "+ 35 badges", "+ 0 workshops
    (0 × 10)"; the badges line: Energy saver +25 and First steps +10 (green ●), High scorer "expired 2 Nov"
    (yellow ◌), Helping hand "revoked 17 Nov" (red ✕, struck through); the challenges, two started (0 %,
    40 %) and three completed in green (80/80, 120/120, 50/50), the first highlighted; the timeline newest
    first, "Page 1 of 1 · 11 steps"; the footer keys Start, Update %, Complete and no staff key."""
    seed_world(services, admin)
    assert snap_compare(build_app(services), terminal_size=(100, 30),
                        run_before=open_section("lea.dubois@example.org", "3"))


def test_leaderboard_with_names_shown(snap_compare, services: Services, admin: Principal) -> None:
    """Leaderboard for Lea at 100x30: five learners ranked by score (Lea first with 285, then Hugo
    Bernard 220; Chloe Robert and Lucas Thomas tie at 130 and share rank 3, Chloe, whose last point
    came first, listed first; Nathan Richard 70 is 5th), the breakdown column "250 + 35 + 0", Lea's row
    in bold with "(you)", the pinned line "You: #1 of 5 · 285 = 250 challenges + 35 badges + 0 workshops
    (0 × 10) · 3 challenges completed", under it "Equal scores share a rank, listed by who reached the
    score first.", and the footer key "Hide names"."""
    seed_world(services, admin)
    assert snap_compare(build_app(services), terminal_size=(100, 30),
                        run_before=open_section("lea.dubois@example.org", "4"))


def test_leaderboard_with_names_hidden(snap_compare, services: Services, admin: Principal) -> None:
    """The same board after Lea chose to hide names (stored through the service): every other
    learner is "Anonymous learner", Lea still sees her own name with "(you)", and the footer key
    says "Show names"."""
    lea = seed_world(services, admin)
    services.leaderboard.set_hide_names(lea, True)
    assert snap_compare(build_app(services), terminal_size=(100, 30),
                        run_before=open_section("lea.dubois@example.org", "4"))


def test_challenge_form_with_errors(snap_compare, services: Services, admin: Principal) -> None:
    """The New challenge dialog over Challenges after submitting a form with a short title, no
    category, points "2000" and an estimate without a source: red errors under Title ("Title must be
    at least 3 characters"), Category, Points ("Points must be between 1 and 1000") and CO2 source
    ("Say where the CO2 estimate comes from"); Difficulty keeps "easy", Active is on."""
    seed_world(services, admin)

    async def bad_form(pilot: Pilot[None]) -> None:
        await open_section("camille.martin@example.org", "3", "h", "n")(pilot)
        await pilot.press(*"ab", "tab", "tab", "tab", *"2000", "tab", "tab", *"12,5", "ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=bad_form)


def test_badge_admin_with_a_rule_change_preview(snap_compare, services: Services, admin: Principal) -> None:
    """Badges at 100x30 (Badge, Rule, Bonus, Valid for, Active) under the preview of changing High scorer
    to "100+ challenge points" with a bonus of 60: the heading "Change to High scorer (high-scorer),
    version 1 → 2", the lines "Rule: 150+ challenge points → 100+ challenge points" and "Bonus: +50 →
    +60", "2 learners gain it, 0 lose it, 0 see the bonus change.", the rows Chloe Robert and Lucas
    Thomas "gains High scorer", 120, "130 → 190 (+60)", and the buttons Apply (y), Back (b), Cancel (esc)."""
    seed_world(services, admin)

    async def preview(pilot: Pilot[None]) -> None:
        await open_section("camille.martin@example.org", "3", "b")(pilot)
        await pilot.press("down", "down", "down", "e")
        await settle(pilot)
        pilot.app.screen.query_one("#badge-threshold").value = "100"
        pilot.app.screen.query_one("#badge-bonus").value = "60"
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build_app(services), terminal_size=(100, 30), run_before=preview)
