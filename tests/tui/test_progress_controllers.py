"""The progress, challenge, badge and leaderboard controllers without a UI (real servers)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from domain.errors import FormErrors, PermissionDenied, ValidationError
from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tui.controllers.badges import BadgeForm, BadgesController
from tui.controllers.challenges import ChallengeForm, ChallengesController
from tui.controllers.progress import LearnerFinder, ProgressController


def progress_controller(services: Services, who: Principal, learner_id: int | None = None) -> ProgressController:
    return ProgressController(services.scores, services.progress, services.challenges, services.badges,
                              lambda: who, learner_id)


def test_learner_view_follows_the_session_and_explains_the_score(services: Services, admin: Principal,
                                                                 learner: Principal) -> None:
    challenge = services.challenges.create(admin, "Switch off standby devices", "", "energy", 50, "easy")
    services.badges.apply(admin, "first-steps", "First steps", "", "challenges_completed", 1, None, 10, None)
    controller = progress_controller(services, learner)
    assert not controller.for_staff
    controller.start(str(challenge.id))
    result = controller.complete(str(challenge.id))
    assert result.message == "“Switch off standby devices” completed: +50 points."
    assert result.new_badges == ("First steps (+10 points)",) and result.warning is None
    view = controller.view()
    assert view.summary == "Lea Learner <learner@example.org> · 1 of 1 completed · 1 badge held"
    assert view.score.line == "60 = 50 challenges + 10 badges + 0 workshops (0 × 10)"
    assert view.score.parts == (("challenges", 50), ("badges", 10), ("workshops (0 × 10)", 0))
    assert [b.label for b in view.badges] == ["● First steps +10"]
    assert len(view.weeks) == len(view.weekly_points) == 12 and view.weeks[-1] == date(2026, 11, 16)
    assert view.weekly_points[-1] == 60 and sum(view.weekly_points) == 60
    assert view.timeline_info.label == "Page 1 of 1 · 2 steps"
    assert view.taken == frozenset({challenge.id})


def test_timeline_page_past_the_end_shows_the_last_page(services: Services, admin: Principal,
                                                       learner: Principal) -> None:
    challenge = services.challenges.create(admin, "Switch off standby devices", "", "energy", 50, "easy")
    services.progress.start(learner, challenge.id)
    for percent in (10, 20, 30, 40):
        services.progress.update(learner, challenge.id, percent)
    controller = ProgressController(services.scores, services.progress, services.challenges, services.badges,
                                    lambda: learner, timeline_page_size=2)
    view = controller.view(timeline_page=9)
    assert view.timeline_info.label == "Page 3 of 3 · 5 steps"
    assert [cells[3] for cells in view.timeline] == ["0"]


def test_percent_check_uses_the_service_rule() -> None:
    assert ProgressController.check_percent("100") is None
    assert ProgressController.check_percent("101") == "Percent must be between 0 and 100"
    assert ProgressController.check_percent("ten") == "Percent must be a whole number"


def test_learner_finder_is_for_staff_only(services: Services, trainer: Principal, learner: Principal) -> None:
    make_user(services, "olga@example.org", Role.LEARNER, "Olga Other")
    finder = LearnerFinder(services.users, lambda: trainer)
    assert [c.label for c in finder.find("olga")] == ["Olga Other <olga@example.org>"]
    assert [c.label for c in finder.find("")] == ["Lea Learner <learner@example.org>", "Olga Other <olga@example.org>"]
    with pytest.raises(PermissionDenied):
        LearnerFinder(services.users, lambda: learner).find("")


def test_staff_steps_need_a_picked_learner_and_learner_steps_refuse_staff(services: Services, admin: Principal,
                                                                        trainer: Principal,
                                                                        learner: Principal) -> None:
    challenge = services.challenges.create(admin, "Switch off standby devices", "", "energy", 50, "easy")
    staff = progress_controller(services, trainer, learner.user_id)
    assert staff.for_staff
    assert staff.record(str(challenge.id), "40").message == "Recorded: “Switch off standby devices” is at 40 %."
    with pytest.raises(PermissionDenied):
        staff.update(str(challenge.id), "50")
    with pytest.raises(ValidationError) as refused:
        staff.reset(staff.view().challenges[0], "")
    assert refused.value.field == "reason"


def test_challenge_form_round_trips_through_the_controller(services: Services, trainer: Principal) -> None:
    controller = ChallengesController(services.challenges, lambda: trainer)
    row = controller.save(None, ChallengeForm("Bike week", "Ride to work.", "mobility", "120", "medium", "12,5",
                                              "Base Carbone", True))
    assert row.cells == ("Bike week", "mobility", "120", "medium", "12.5", "yes")
    form = controller.form(row.challenge_id)
    assert form == ChallengeForm("Bike week", "Ride to work.", "mobility", "120", "medium", "12.5", "Base Carbone",
                                 True)
    controller.set_active(row.challenge_id, False)
    assert [r.title for r in controller.page(1, active="no").rows] == ["Bike week"]
    assert controller.page(1, active="yes").rows == ()
    with pytest.raises(FormErrors) as caught:
        controller.save(row.challenge_id, ChallengeForm("Bike week", "", "mobility", "0", "medium"))
    assert set(caught.value.errors) == {"points"}


def test_badge_preview_tells_a_bonus_change_apart_from_gains(services: Services, admin: Principal,
                                                            learner: Principal) -> None:
    challenge = services.challenges.create(admin, "Switch off standby devices", "", "energy", 50, "easy")
    services.badges.apply(admin, "first-steps", "First steps", "", "challenges_completed", 1, None, 10, None)
    services.progress.start(learner, challenge.id)
    services.progress.complete(learner, challenge.id)
    controller = BadgesController(services.badges, lambda: admin)
    form = controller.form("first-steps")
    assert form == BadgeForm("first-steps", "First steps", "", "challenges_completed", "1", "", "10", "", True,
                             existing=True)
    preview = controller.preview(BadgeForm(**{**form.__dict__, "bonus_points": "25"}))
    assert preview.changes == ("Bonus: +10 → +25",)
    assert preview.summary == "0 learners gain it, 0 lose it, 1 sees the bonus change."
    assert [row.cells for row in preview.rows] == [("Lea Learner", "bonus changes First steps", "1", "60 → 75 (+15)")]
    assert preview.expected_version == 1
    with pytest.raises(FormErrors) as caught:
        controller.preview(BadgeForm("first-steps", "Another", "", "points", "5"))
    assert caught.value.errors == {"code": "A badge with the code first-steps already exists: edit it instead"}


def test_progress_controllers_import_no_textual() -> None:
    """Every controller is a plain class: importing all of them must not pull Textual in."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import tui.controllers as package\n"
        "for module in pkgutil.iter_modules(package.__path__):\n"
        "    importlib.import_module(f'tui.controllers.{module.name}')\n"
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
