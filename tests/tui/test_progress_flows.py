"""Pilot tests of Progress (key 3): a learner's steps to a badge, staff steps, and who sees which keys."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Select

from domain.clock import fixed_clock
from domain.config import Settings
from domain.errors import PermissionDenied
from domain.models.progress import Challenge
from domain.models.users import Principal, Role
from domain.infrastructure.connections import Endpoints
from domain.services.container import Services
from tests.harness import services_for
from domain.services.progress import SYNC_WARNING
from tests.conftest import NOW, make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.progress_helpers import notifications, rows, text_of
from tui.controllers.progress import ProgressController
from tui.screens.confirm import ConfirmDialog
from tui.screens.progress_learners import ProgressLearnersScreen
from tui.screens.picker import PickerDialog
from tui.screens.progress import ProgressScreen
from tui.screens.step_dialog import StepDialog

SIZE = (100, 30)
LEARNER_KEYS = ("start", "update", "complete")
STAFF_KEYS = ("record", "reset", "award", "revoke")


def challenge(services: Services, admin: Principal, title: str, points: int, category: str = "energy") -> Challenge:
    return services.challenges.create(admin, title, "", category, points, "easy")


def first_steps_badge(services: Services, admin: Principal) -> None:
    """The badge rule "challenges completed ≥ 1" with a 10-point bonus, set up through the service."""
    services.badges.apply(admin, "first-steps", "First steps", "Complete a first challenge.",
                          "challenges_completed", 1, None, 10, None)


async def open_progress(pilot: Pilot[None], email: str) -> None:
    await log_in(pilot, email)
    await pilot.press("3")
    await settle(pilot)


async def test_learner_starts_updates_and_completes_a_challenge_then_earns_the_badge_and_its_points(
        services: Services, admin: Principal, learner: Principal) -> None:
    standby = challenge(services, admin, "Switch off standby devices", 50)
    challenge(services, admin, "Compost kitchen scraps", 100, "waste")
    first_steps_badge(services, admin)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "learner@example.org")
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert text_of(app, "#progress-score-total") == "Score 0"
        assert rows(app, "#progress-challenges") == []

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog)
        picker = app.screen.query_one(OptionList)
        assert [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)] == [
            "Compost kitchen scraps · waste · 100 pts", "Switch off standby devices · energy · 50 pts"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "started", "0 %", "0/50"]]
        assert "Started “Switch off standby devices”." in notifications(app)

        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        await pilot.press(*"150")
        await settle(pilot)
        assert text_of(app, "#field-percent .form-field--error") == "Percent must be between 0 and 100"
        await pilot.press("backspace", "backspace", "backspace", *"60", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "started", "60 %", "0/50"]]

        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "completed", "100 %", "50/50"]]
        assert "“Switch off standby devices” completed: +50 points." in notifications(app)
        assert "New badge: First steps (+10 points)" in notifications(app)
        assert text_of(app, "#progress-badges") == "Badges: ● First steps +10"
        assert text_of(app, "#progress-score-total") == "Score 60"
        assert text_of(app, "#progress-score-parts").splitlines() == [
            "= 50 challenges", "+ 10 badges", "+  0 workshops (0 × 10)"]
        steps = [row[1] for row in rows(app, "#progress-timeline")]
        assert steps == ["completed", "progress", "started"]
        # Completed: neither update nor complete applies any more, and the footer greys them.
        assert screen.check_action("update", ()) is None and screen.check_action("complete", ()) is None
    score = services.scores.score(learner, learner.user_id)
    assert (score.challenge_points, score.badge_points, score.total) == (50, 10, 60)
    held = services.badges.awards_for(learner, learner.user_id)
    assert [(h.award.badge_code, h.award.evidence["value"]) for h in held] == [("first-steps", 1)]
    assert services.scores.user_progress(learner, learner.user_id).challenges[0].challenge_id == standby.id


async def test_a_badge_lost_and_earned_again_shows_once_as_held(services: Services, admin: Principal,
                                                                trainer: Principal, learner: Principal) -> None:
    first_steps_badge(services, admin)
    standby = challenge(services, admin, "Switch off standby devices", 50)
    compost = challenge(services, admin, "Compost kitchen scraps", 100, "waste")
    for done in (standby, compost):
        services.progress.start(learner, done.id)
    services.progress.complete(learner, standby.id)
    services.progress.reset(trainer, learner.user_id, standby.id, "Recorded on the wrong account")
    services.progress.complete(learner, compost.id)
    assert len(services.badges.awards_for(trainer, learner.user_id)) == 2  # the history keeps both
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "learner@example.org")
        assert text_of(app, "#progress-badges") == "Badges: ● First steps +10"


async def test_learner_is_refused_other_learners_progress_and_has_no_staff_keys(
        services: Services, admin: Principal, learner: Principal) -> None:
    other = make_user(services, "other@example.org", Role.LEARNER, "Olga Other")
    with pytest.raises(PermissionDenied, match="Learners may only see their own progress."):
        services.scores.user_progress(learner, other.user_id)
    # A controller built for another learner is refused too: the service checks the principal.
    controller = ProgressController(services.scores, services.progress, services.challenges, services.badges,
                                    lambda: learner, other.user_id)
    with pytest.raises(PermissionDenied):
        controller.view()
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "learner@example.org")
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert text_of(app, "#progress-summary").startswith("Lea Learner <learner@example.org>")
        assert all(screen.check_action(key, ()) is False for key in STAFF_KEYS)
        assert screen.check_action("start", ()) is True
        shown = {binding.binding.action for binding in screen.active_bindings.values()}
        assert not shown & set(STAFF_KEYS)
        assert {"start", "update", "complete"} <= shown
        await pilot.press("z", "w", "v")
        await settle(pilot)
        assert app.screen is screen


async def test_trainer_picks_a_learner_records_progress_then_resets_it_with_a_reason(
        services: Services, admin: Principal, trainer: Principal, learner: Principal) -> None:
    standby = challenge(services, admin, "Switch off standby devices", 50)
    first_steps_badge(services, admin)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "trainer@example.org")
        assert isinstance(app.screen, ProgressLearnersScreen)
        learners = app.screen.query_one(OptionList)
        assert [str(learners.get_option_at_index(i).prompt) for i in range(learners.option_count)] == [
            "Lea Learner <learner@example.org>"]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert screen.title == "Progress · Lea Learner"
        assert all(screen.check_action(key, ()) is False for key in LEARNER_KEYS)
        assert screen.check_action("reset", ()) is None

        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        dialog.query_one("#step-choice", Select).value = str(standby.id)
        await pilot.press(*"100", "ctrl+s")
        await settle(pilot)
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "completed", "100 %", "50/50"]]
        assert "Recorded: “Switch off standby devices” completed: +50 points." in notifications(app)
        assert "New badge: First steps (+10 points)" in notifications(app)

        await pilot.press("z")
        await settle(pilot)
        await pilot.press(*"no", "enter")
        await settle(pilot)
        assert isinstance(app.screen, StepDialog)
        assert text_of(app, "#field-reason .form-field--error") == "Reason must be at least 3 characters"
        await pilot.press(*" proof yet", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "reset", "0 %", "0/50"]]
        assert "Reset “Switch off standby devices” to 0 %. 50 points taken back." in notifications(app)
        assert ("Badge taken back: First steps (−10 points): No longer met: 0 challenges completed, "
                "the badge needs 1+ challenges completed") in notifications(app)
        assert "✕ First steps revoked" in text_of(app, "#progress-badges")
        assert rows(app, "#progress-timeline")[0][1:3] == ["reset", "Switch off standby devi…"]
        assert rows(app, "#progress-timeline")[0][5:] == ["Tom Trainer", "no proof yet"]
    assert services.scores.score(trainer, learner.user_id).challenge_points == 0


async def test_trainer_awards_a_badge_by_hand_then_revokes_it(services: Services, admin: Principal,
                                                             trainer: Principal, learner: Principal) -> None:
    first_steps_badge(services, admin)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "trainer@example.org")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        assert screen.check_action("revoke", ()) is None

        await pilot.press("w")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        dialog.query_one("#step-choice", Select).value = "first-steps"
        await pilot.press(*"Helped at the repair cafe", "ctrl+s")
        await settle(pilot)
        assert text_of(app, "#progress-badges") == "Badges: ● First steps +10"
        assert text_of(app, "#progress-score-total") == "Score 10"

        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        assert dialog.query_one("#step-choice", Select).value == "first-steps"
        await pilot.press(*"Given by mistake", "enter")
        await settle(pilot)
        assert text_of(app, "#progress-badges") == "Badges: ✕ First steps revoked 22 Nov"
        assert text_of(app, "#progress-score-total") == "Score 0"
        assert "Revoked the badge First steps: its 10 points no longer count." in notifications(app)
        assert screen.check_action("revoke", ()) is None
    held = services.badges.awards_for(trainer, learner.user_id)
    assert [(h.state.value, h.award.revoke_reason) for h in held] == [("revoked", "Given by mistake")]


async def test_timeline_pages_with_the_bracket_keys(services: Services, admin: Principal,
                                                     learner: Principal) -> None:
    standby = challenge(services, admin, "Switch off standby devices", 50)
    services.progress.start(learner, standby.id)
    for percent in range(1, 25):
        services.progress.update(learner, standby.id, percent)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "learner@example.org")
        screen = app.screen
        assert text_of(app, "#progress-timeline-page") == "Page 1 of 2 · 25 steps"
        assert screen.check_action("previous_page", ()) is None
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert text_of(app, "#progress-timeline-page") == "Page 2 of 2 · 25 steps"
        assert [row[3] for row in rows(app, "#progress-timeline")] == ["4", "3", "2", "1", "0"]
        assert screen.check_action("next_page", ()) is None
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert rows(app, "#progress-timeline")[0][3] == "24"


async def test_percent_field_says_what_is_wrong_while_typing(services: Services, admin: Principal,
                                                            learner: Principal) -> None:
    standby = challenge(services, admin, "Switch off standby devices", 50)
    services.progress.start(learner, standby.id)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_progress(pilot, "learner@example.org")
        await pilot.press("u")
        await settle(pilot)
        await pilot.press(*"4x")
        await settle(pilot)
        assert text_of(app, "#field-percent .form-field--error") == "Percent must be a whole number"
        await pilot.press("backspace")
        await settle(pilot)
        assert app.screen.query_one("#field-percent").has_class("-invalid") is False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert rows(app, "#progress-challenges") == [["Switch off standby devices", "energy", "started", "4 %", "0/50"]]
    assert services.scores.user_progress(learner, learner.user_id).challenges[0].percent == 4


async def test_completion_while_mongodb_is_down_is_saved_and_the_learner_is_told(
        settings: Settings, migrated: Endpoints, services: Services, admin: Principal, learner: Principal) -> None:
    standby = challenge(services, admin, "Switch off standby devices", 50)
    services.progress.start(learner, standby.id)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    # Only the progress write path loses MongoDB: login and the screen itself still read it.
    broken = services_for(replace(settings, connect_timeout_s=0.5), clock=fixed_clock(NOW),
                            endpoints=replace(migrated, mongo_url=f"mongodb://127.0.0.1:{closed}/"))
    app = build_app(replace(services, progress=broken.progress))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_progress(pilot, "learner@example.org")
            await pilot.press("c", "y")
            await settle(pilot)
            assert SYNC_WARNING in notifications(app)
            assert rows(app, "#progress-challenges") == [
                ["Switch off standby devices", "energy", "completed", "100 %", "50/50"]]
            # The history has not caught up yet: only the start is in the timeline.
            assert [row[1] for row in rows(app, "#progress-timeline")] == ["started"]
    finally:
        broken.close()
    services.relay.relay()
    timeline = services.scores.user_progress(learner, learner.user_id).timeline.items
    assert [entry.kind.value for entry in timeline] == ["completed", "started"]
