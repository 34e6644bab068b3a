"""Pilot tests of the staff catalogues reached from Progress: challenges (`h`) and badges (`b`)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Select

from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.services.container import Services
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.progress_helpers import notifications, rows, text_of
from tui.screens.badge_form import BadgeFormDialog
from tui.screens.badge_preview import BadgePreviewDialog
from tui.screens.badges import BadgesScreen
from tui.screens.challenge_form import ChallengeFormDialog
from tui.screens.challenges import ChallengesScreen
from tui.screens.progress import ProgressScreen

SIZE = (100, 30)


async def open_catalogue(pilot: Pilot[None], email: str, key: str) -> None:
    await log_in(pilot, email)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def test_trainer_creates_a_challenge_after_fixing_inline_errors_then_edits_and_deactivates_it(
        services: Services, trainer: Principal, learner: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_catalogue(pilot, "trainer@example.org", "h")
        assert isinstance(app.screen, ChallengesScreen)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChallengeFormDialog)
        await pilot.press(*"Bike", "ctrl+s")
        await settle(pilot)
        errors = {f: text_of(app, f"#field-{f} .form-field--error") for f in ("title", "category", "points")}
        assert errors == {
            "title": "",
            "category": "Category must be one of energy, waste, mobility, food, water, digital",
            "points": "Points must be a whole number",
        }
        dialog.query_one("#challenge-category", Select).value = "mobility"
        dialog.query_one("#challenge-points").focus()
        await pilot.press(*"120", "enter", "tab", *"45", "enter", *"Base Carbone", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        assert rows(app, "#challenges-table") == [["Bike", "mobility", "120", "easy", "45", "yes"]]
        assert "Created “Bike”." in notifications(app)

        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChallengeFormDialog)
        assert dialog.query_one("#challenge-co2-source").value == "Base Carbone"
        dialog.query_one("#challenge-title").value = "Bike to work week"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app, "#challenges-table")[0][:3] == ["Bike to work week", "mobility", "120"]

        await pilot.press("t")
        await settle(pilot)
        assert rows(app, "#challenges-table")[0][5] == "no"
        assert "“Bike to work week” is inactive: learners no longer see it." in notifications(app)
    assert services.challenges.list(learner, PageRequest(1, 10)).total == 0


async def test_learner_progress_screen_has_no_way_to_the_staff_catalogues(services: Services,
                                                                         learner: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_catalogue(pilot, "learner@example.org", "h")
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)


async def seed_badge_case(services: Services, admin: Principal, learner: Principal) -> None:
    """Lea completed one challenge (100 points); "first-steps" asks for two, so nobody holds it."""
    challenge = services.challenges.create(admin, "Switch off standby devices", "", "energy", 100, "easy")
    services.progress.start(learner, challenge.id)
    services.progress.complete(learner, challenge.id)
    services.badges.apply(admin, "first-steps", "First steps", "Complete challenges.", "challenges_completed", 2,
                          None, 10, None)


async def preview_threshold_one(pilot: Pilot[None]) -> None:
    """Edit the highlighted badge (its code is fixed), ask for "1+", and wait for the preview."""
    await pilot.press("e")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, BadgeFormDialog)
    assert form.query_one("#badge-code").disabled
    form.query_one("#badge-threshold").value = "1"
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BadgePreviewDialog)


async def test_badge_rule_change_shows_who_gains_it_then_applies_exactly_that(
        services: Services, admin: Principal, trainer: Principal, learner: Principal) -> None:
    await seed_badge_case(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_catalogue(pilot, "trainer@example.org", "b")
        assert isinstance(app.screen, BadgesScreen)
        assert rows(app, "#badges-table") == [["First steps", "2+ challenges completed", "+10", "always", "yes"]]
        assert text_of(app, "#badges-detail") == "first-steps, version 1: Complete challenges."
        await preview_threshold_one(pilot)
        assert text_of(app, "#badge-preview-changes") == "Rule: 2+ challenges completed → 1+ challenges completed"
        assert text_of(app, "#badge-preview-summary") == "1 learner gains it, 0 lose it, 0 see the bonus change."
        assert rows(app, "#badge-preview-table") == [["Lea Learner", "gains First steps", "1", "100 → 110 (+10)"]]
        # Nothing is saved by the preview.
        assert services.badges.awards_for(learner, learner.user_id) == []
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, BadgesScreen)
        assert rows(app, "#badges-table")[0][1] == "1+ challenges completed"
        assert text_of(app, "#badges-detail") == "first-steps, version 2: Complete challenges."
        assert "Saved first-steps: 1 learner gained it, 0 lost it, 0 saw the bonus change." in notifications(app)
    assert services.scores.score(learner, learner.user_id).total == 110


async def test_badge_preview_is_not_applied_when_someone_saved_the_badge_meanwhile(
        services: Services, admin: Principal, trainer: Principal, learner: Principal) -> None:
    await seed_badge_case(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_catalogue(pilot, "trainer@example.org", "b")
        await preview_threshold_one(pilot)
        services.badges.apply(admin, "first-steps", "First steps", "Complete challenges.", "challenges_completed", 3,
                              None, 10, None, expected_version=1)
        await pilot.press("y")
        await settle(pilot)
        assert "This badge changed since the preview: preview it again before saving." in notifications(app)
    assert services.badges.get_badge(admin, "first-steps").rule.threshold == 3
    assert services.badges.awards_for(learner, learner.user_id) == []


async def test_back_from_the_preview_returns_to_the_form_with_what_was_typed(
        services: Services, admin: Principal, trainer: Principal, learner: Principal) -> None:
    await seed_badge_case(services, admin, learner)
    app = build_app(services)
    async with app.run_test(size=SIZE) as pilot:
        await open_catalogue(pilot, "trainer@example.org", "b")
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = {f: text_of(app, f"#field-{f} .form-field--error") for f in ("code", "name", "threshold")}
        assert errors == {
            "code": "Code must be 2–40 lowercase letters, digits or dashes (e.g. energy-saver)",
            "name": "Name must be at least 3 characters",
            "threshold": "Threshold must be a whole number",
        }
        await pilot.press(*"helper", "enter", *"Helping hand", "enter", "enter", "tab", *"50")
        app.screen.query_one("#badge-rule", Select).value = "points"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BadgePreviewDialog)
        assert text_of(app, "#badge-preview-summary") == "1 learner gains it, 0 lose it, 0 see the bonus change."
        await pilot.press("b")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, BadgeFormDialog)
        assert (form.query_one("#badge-code").value, form.query_one("#badge-threshold").value) == ("helper", "50")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BadgesScreen)
    assert [b.code for b in services.badges.list_badges(admin)] == ["first-steps"]
