"""The challenge catalogue: form validation (all errors at once), roles, paging and filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import FormErrors, NotFound, PermissionDenied, ValidationError
from domain.models.paging import PageRequest
from domain.models.progress import Category


def test_challenge_form_reports_every_wrong_field_at_once(services, admin):
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, title="ab", description="x" * 2001, category="forest", points=0,
                                   difficulty="extreme", co2_kg="-3", co2_source=None)
    assert set(caught.value.errors) == {"title", "description", "category", "points", "difficulty", "co2_kg"}
    assert caught.value.errors["points"] == "Points must be between 1 and 1000"
    with services.uow() as uow:
        from domain.repositories.sql.challenges import ChallengeRepository
        assert ChallengeRepository(uow.conn).count() == 0


def test_co2_estimate_needs_its_source_and_a_source_needs_an_estimate(services, admin):
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, "Bike week", "", "mobility", 50, "easy", co2_kg="12,5", co2_source="  ")
    assert caught.value.errors == {"co2_source": "Say where the CO2 estimate comes from"}
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, "Bike week", "", "mobility", 50, "easy", co2_source="ADEME")
    assert set(caught.value.errors) == {"co2_kg"}
    created = services.challenges.create(admin, "Bike week", "", "mobility", "50", "easy", co2_kg="12,5",
                                         co2_source="ADEME")
    assert created.co2_kg == Decimal("12.50") and created.points == 50 and created.category is Category.MOBILITY


def test_missing_co2_source_is_reported_with_the_other_field_errors(services, admin):
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, "ab", "", "", 2000, "easy", co2_kg="12,5", co2_source="")
    assert set(caught.value.errors) == {"title", "category", "points", "co2_source"}
    assert caught.value.errors["co2_source"] == "Say where the CO2 estimate comes from"


def test_points_outside_range_and_duplicate_titles_are_refused_inline(services, admin, make_challenge):
    make_challenge(title="Compost at home")
    for points in (1001, -5, "12.5", True):
        with pytest.raises(FormErrors) as caught:
            services.challenges.create(admin, "Another", "", "waste", points, "easy")
        assert set(caught.value.errors) == {"points"}
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, "compost AT home", "", "waste", 10, "easy")
    assert caught.value.errors == {"title": "A challenge with this title already exists."}


def test_learners_cannot_create_or_edit_challenges(services, learner, make_challenge):
    challenge = make_challenge()
    with pytest.raises(PermissionDenied):
        services.challenges.create(learner, "Mine", "", "food", 10, "easy")
    with pytest.raises(PermissionDenied):
        services.challenges.set_active(learner, challenge.id, False)


def test_learners_see_only_active_challenges(services, learner, trainer, make_challenge):
    kept = make_challenge(title="Active one")
    hidden = make_challenge(title="Hidden one")
    services.challenges.set_active(trainer, hidden.id, False)
    assert [c.id for c in services.challenges.list(learner, PageRequest(1, 10)).items] == [kept.id]
    assert len(services.challenges.list(trainer, PageRequest(1, 10)).items) == 2
    with pytest.raises(NotFound):
        services.challenges.get(learner, hidden.id)


def test_edit_changes_the_challenge_and_keeps_it_paged_by_title(services, trainer, make_challenge):
    for title in ("Gamma", "Alpha", "Beta"):
        make_challenge(title=title, category="water")
    make_challenge(title="Delta", category="food")
    page = services.challenges.list(trainer, PageRequest(1, 2), category="water")
    assert [c.title for c in page.items] == ["Alpha", "Beta"] and page.total == 3 and page.has_next
    alpha = page.items[0]
    edited = services.challenges.update(trainer, alpha.id, "Alpha two", "Longer text", "water", 300, "hard")
    assert (edited.title, edited.points, edited.difficulty.value) == ("Alpha two", 300, "hard")


def test_injection_shaped_search_is_matched_literally(services, trainer, make_challenge):
    make_challenge(title="100% local food")
    make_challenge(title="Plain title")
    for search in ("'; DROP TABLE challenges; --", "%", "_", "{\"$ne\": null}"):
        page = services.challenges.list(trainer, PageRequest(1, 10), search=search)
        expected = ["100% local food"] if search == "%" else []
        assert [c.title for c in page.items] == expected
    assert services.challenges.list(trainer, PageRequest(1, 10)).total == 2


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "a\udcff"], ids=["nul", "lone-surrogate", "undecodable-byte"])
def test_challenge_badge_and_reset_texts_no_database_can_store_are_refused_by_field(services, admin, trainer,
                                                                                     learner, make_challenge, bad):
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, title=f"Sort {bad} waste", description=bad, category="waste", points=10,
                                   difficulty="easy", co2_kg="1", co2_source=bad)
    assert set(caught.value.errors) == {"title", "description", "co2_source"}
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    with pytest.raises(FormErrors) as caught:
        services.badges.apply(admin, "energy-saver", f"Saver {bad}", bad, "points", 10)
    assert set(caught.value.errors) == {"name", "description"}
    with pytest.raises(ValidationError) as refused:
        services.progress.reset(trainer, learner.user_id, challenge.id, f"Started {bad} over")
    assert refused.value.field == "reason"
    assert services.badges.list_badges(admin) == []
    assert services.challenges.list(admin, PageRequest()).total == 1
    assert services.progress.reset(trainer, learner.user_id, challenge.id, "Started over").progress.percent == 0


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("15.5", "must be a whole number"), ("1e3", "must be a whole number"), ("12abc", "must be a whole number"),
     ("99999999999", "must be between")],
    ids=["decimal", "exponent", "letters", "eleven-digits"],
)
def test_points_percent_and_badge_numbers_are_parsed_never_filtered(services, admin, learner, make_challenge,
                                                                    typed, problem):
    with pytest.raises(FormErrors) as caught:
        services.challenges.create(admin, "Bike week", "", "mobility", typed, "easy")
    assert caught.value.errors["points"].startswith(f"Points {problem}")
    with pytest.raises(FormErrors) as caught:
        services.badges.apply(admin, "energy-saver", "Energy saver", "", "points", typed, None, typed, typed)
    labels = {"threshold": "Threshold", "bonus_points": "Bonus points", "validity_days": "Validity (days)"}
    assert set(caught.value.errors) == set(labels)
    for field, label in labels.items():
        assert caught.value.errors[field].startswith(f"{label} {problem}")
    challenge = make_challenge()
    services.progress.start(learner, challenge.id)
    with pytest.raises(ValidationError) as refused:
        services.progress.update(learner, challenge.id, typed)
    assert refused.value.field == "percent" and refused.value.message.startswith(f"Percent {problem}")
    assert services.badges.list_badges(admin) == []
    assert services.progress.update(learner, challenge.id, " 40 ").progress.percent == 40
