"""Badge rules of each type, evidence, awarding by hand, revocation, expiry, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from domain.clock import fixed_clock
from domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from domain.models.badges import AwardState
from tests.harness import services_for
from tests.conftest import NOW
from tests.progress.conftest import at, attend


def _codes(services, user_id: int) -> list[str]:
    return sorted(d["badge_code"] for d in services.db["badge_awards"].find({"user_id": user_id}))


def _complete(services, learner, challenge_id: int):
    services.progress.start(learner, challenge_id)
    return services.progress.complete(learner, challenge_id)


def test_challenges_completed_rule_counts_only_its_category_and_keeps_evidence(
        services, learner, make_challenge, make_badge):
    make_badge("energy-saver", "challenges_completed", 2, category="energy", bonus=25)
    water = make_challenge(category="water")
    energy = [make_challenge(category="energy") for _ in range(2)]
    _complete(services, learner, water.id)
    assert _complete(services, learner, energy[0].id).new_badges == []
    outcome = _complete(services, learner, energy[1].id)
    assert [a.badge_code for a in outcome.new_badges] == ["energy-saver"]
    award = outcome.new_badges[0]
    assert award.evidence == {"rule": "challenges_completed", "threshold": 2, "value": 2, "category": "energy"}
    assert award.bonus_points == 25 and not award.manual and award.id == f"energy-saver:{learner.user_id}:1"


def test_points_rule_counts_challenge_points_only(services, learner, make_challenge, make_badge):
    make_badge("first-steps", "challenges_completed", 1, bonus=500)
    make_badge("hundred", "points", 100, bonus=10)
    _complete(services, learner, make_challenge(points=60).id)
    # 60 challenge points + a 500 bonus: the bonus does not count towards the points rule.
    assert _codes(services, learner.user_id) == ["first-steps"]
    outcome = _complete(services, learner, make_challenge(points=40).id)
    assert [a.badge_code for a in outcome.new_badges] == ["hundred"]
    assert outcome.new_badges[0].evidence["value"] == 100


def test_workshops_attended_rule_counts_present_and_late_after_an_attendance_mark(
        services, learner, make_learner, make_badge):
    make_badge("regular", "workshops_attended", 2, bonus=20)
    other = make_learner()
    attend(services, learner.user_id, 1, "present")
    attend(services, learner.user_id, 2, "absent")
    attend(services, other.user_id, 1, "late")
    assert services.badges.on_attendance_marked([learner.user_id, other.user_id]) == []
    attend(services, learner.user_id, 3, "late")
    new = services.badges.on_attendance_marked([learner.user_id, other.user_id])
    assert [(a.badge_code, a.user_id, a.evidence["value"]) for a in new] == [("regular", learner.user_id, 2)]
    assert services.badges.on_attendance_marked([learner.user_id]) == []


def test_streak_rule_needs_consecutive_days_with_progress(services, learner, make_challenge, make_badge):
    make_badge("streak", "streak_days", 3, bonus=30)
    challenge = make_challenge()
    day = NOW - timedelta(days=10)
    at(services, day).progress.start(learner, challenge.id)
    at(services, day + timedelta(days=1)).progress.update(learner, challenge.id, 10)
    # A gap of one day breaks the run.
    assert at(services, day + timedelta(days=3)).progress.update(learner, challenge.id, 20).new_badges == []
    at(services, day + timedelta(days=4)).progress.update(learner, challenge.id, 30)
    outcome = at(services, day + timedelta(days=5)).progress.update(learner, challenge.id, 40)
    assert [(a.badge_code, a.evidence["value"], a.awarded_at) for a in outcome.new_badges] == [
        ("streak", 3, day + timedelta(days=5))]


def test_manual_award_and_revoke_need_staff_and_a_reason(services, learner, trainer, make_badge):
    make_badge("helper", "points", 10_000, bonus=40)
    with pytest.raises(PermissionDenied):
        services.badges.award(learner, "helper", learner.user_id, "I deserve it")
    with pytest.raises(FormErrors) as caught:
        services.badges.award(trainer, "helper", learner.user_id, "")
    assert set(caught.value.errors) == {"reason"}
    award = services.badges.award(trainer, "helper", learner.user_id, "Ran the repair workshop")
    assert award.manual and award.reason == "Ran the repair workshop" and award.evidence["value"] == 0
    with pytest.raises(Conflict, match="already holds"):
        services.badges.award(trainer, "helper", learner.user_id, "Twice")
    assert services.scores.score(learner, learner.user_id).badge_points == 40
    revoked = services.badges.revoke(trainer, "helper", learner.user_id, "Given by mistake")
    assert revoked.revoke_reason == "Given by mistake" and revoked.revoked_by == trainer.user_id
    assert services.scores.score(learner, learner.user_id).badge_points == 0
    with pytest.raises(NotFound):
        services.badges.revoke(trainer, "helper", learner.user_id, "Again")
    # Staff can give it back by hand: a second award, the first stays in the history.
    again = services.badges.award(trainer, "helper", learner.user_id, "Earned it after all")
    assert again.id == f"helper:{learner.user_id}:2"
    states = [h.state for h in services.badges.awards_for(learner, learner.user_id)]
    assert states == [AwardState.ACTIVE, AwardState.REVOKED]


def test_revoked_award_reads_back_when_it_was_revoked(services, learner, trainer, make_badge):
    make_badge("helper", "points", 10_000, bonus=40)
    services.badges.award(trainer, "helper", learner.user_id, "Ran the repair workshop")
    revoked_at = (NOW + timedelta(hours=2)).replace(microsecond=0)
    at(services, revoked_at).badges.revoke(trainer, "helper", learner.user_id, "Given by mistake")
    [held] = services.badges.awards_for(learner, learner.user_id)
    assert held.state is AwardState.REVOKED
    assert held.award.revoked_at == revoked_at and held.award.revoked_at.tzinfo is not None


def test_revoked_badge_is_not_awarded_again_by_the_rules(services, learner, trainer, make_challenge, make_badge):
    make_badge("first-steps", "challenges_completed", 1, bonus=10)
    _complete(services, learner, make_challenge().id)
    services.badges.revoke(trainer, "first-steps", learner.user_id, "Completed for someone else")
    assert _complete(services, learner, make_challenge().id).new_badges == []
    assert services.scores.score(learner, learner.user_id).badge_points == 0


def test_expired_badge_stops_counting(services, learner, make_challenge, make_badge):
    make_badge("seasonal", "challenges_completed", 1, bonus=50, validity_days=30)
    _complete(services, learner, make_challenge(points=100).id)
    assert services.scores.score(learner, learner.user_id).total == 150
    later = at(services, NOW + timedelta(days=31))
    assert later.scores.score(learner, learner.user_id).total == 100
    assert [h.state for h in later.badges.awards_for(learner, learner.user_id)] == [AwardState.EXPIRED]
    assert _complete(later, learner, make_challenge().id).new_badges == []


def test_reset_takes_back_the_badges_whose_rule_is_no_longer_met_and_they_come_back(
        services, learner, trainer, make_challenge, make_badge):
    make_badge("first-steps", "challenges_completed", 1, bonus=10)
    make_badge("two-done", "challenges_completed", 2, bonus=20)
    make_badge("hundred", "points", 100, bonus=30)
    make_badge("kept", "points", 50, bonus=5)
    first, second = make_challenge(points=60), make_challenge(points=40)
    _complete(services, learner, first.id)
    _complete(services, learner, second.id)
    assert _codes(services, learner.user_id) == ["first-steps", "hundred", "kept", "two-done"]
    assert services.scores.score(learner, learner.user_id).total == 100 + 10 + 20 + 30 + 5

    outcome = services.progress.reset(trainer, learner.user_id, second.id, "Done on someone else's account")

    # 1 challenge and 60 points left: "two-done" and "hundred" go, "first-steps" and "kept" stay.
    assert sorted(a.badge_code for a in outcome.lost_badges) == ["hundred", "two-done"]
    lost = {a.badge_code: a for a in outcome.lost_badges}
    assert lost["hundred"].revoke_reason == "No longer met: 60 challenge points, the badge needs 100+ challenge points"
    assert lost["hundred"].revoked_by == trainer.user_id and lost["hundred"].revoked_by_rule
    held = {h.award.badge_code: h.state for h in services.badges.awards_for(trainer, learner.user_id)}
    assert held == {"first-steps": AwardState.ACTIVE, "kept": AwardState.ACTIVE,
                    "two-done": AwardState.REVOKED, "hundred": AwardState.REVOKED}
    assert services.scores.score(learner, learner.user_id).total == 60 + 10 + 5

    # Checking again (an outbox replay of the step) takes nothing more.
    assert services.badges.recheck_learner(learner.user_id, trainer.user_id, trigger=outcome.event_id).lost == []

    # Completed again: the rules hand the two badges back (a rule's revocation does not block).
    services.progress.record(trainer, learner.user_id, second.id, 100)
    assert sorted(_codes(services, learner.user_id)) == ["first-steps", "hundred", "hundred", "kept",
                                                          "two-done", "two-done"]
    assert services.scores.score(learner, learner.user_id).total == 100 + 10 + 20 + 30 + 5


def test_reset_keeps_badges_given_by_hand_and_streaks_already_reached(
        services, learner, trainer, make_challenge, make_badge):
    make_badge("hundred", "points", 100, bonus=30)
    make_badge("one-day", "streak_days", 1, bonus=3)
    challenge = make_challenge(points=100)
    _complete(services, learner, challenge.id)
    services.badges.revoke(trainer, "hundred", learner.user_id, "Testing the hand award")
    services.badges.award(trainer, "hundred", learner.user_id, "Kept whatever the rule says")

    outcome = services.progress.reset(trainer, learner.user_id, challenge.id, "Recorded by mistake")

    assert outcome.lost_badges == []
    held = {h.award.badge_code: h.state for h in services.badges.awards_for(trainer, learner.user_id)
            if h.state is AwardState.ACTIVE}
    assert held == {"hundred": AwardState.ACTIVE, "one-day": AwardState.ACTIVE}


def test_badge_form_refuses_bad_rules_all_at_once(services, admin, trainer, learner):
    with pytest.raises(FormErrors) as caught:
        services.badges.preview(admin, "Bad Code!", "x", "", "karma", 0, None, 5000, 0)
    assert set(caught.value.errors) == {"code", "name", "rule_type", "threshold", "bonus_points", "validity_days"}
    with pytest.raises(FormErrors) as caught:
        services.badges.preview(admin, "pts", "Points", "", "points", 10, "energy")
    assert set(caught.value.errors) == {"category"}
    with pytest.raises(PermissionDenied):
        services.badges.preview(learner, "pts", "Points", "", "points", 10)


def test_twenty_concurrent_completions_award_a_badge_once(settings, services, learner, make_challenge, make_badge):
    make_badge("first-steps", "challenges_completed", 1, bonus=10)
    make_badge("five", "challenges_completed", 5, bonus=20)
    challenges = [make_challenge(points=10) for _ in range(20)]
    for challenge in challenges:
        services.progress.start(learner, challenge.id)
    # Each thread has its own engine and MongoDB client, like separate processes.
    workers = [services_for(settings, clock=fixed_clock(NOW), endpoints=services.endpoints) for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes, errors = [], []

    def complete(worker, challenge_id: int) -> None:
        try:
            barrier.wait()
            outcomes.append(worker.progress.complete(learner, challenge_id))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=complete, args=(w, c.id)) for w, c in zip(workers, challenges)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.close()
    assert errors == [] and all(o.synced for o in outcomes)
    assert _codes(services, learner.user_id) == ["first-steps", "five"]
    assert sorted(a.badge_code for o in outcomes for a in o.new_badges) == ["first-steps", "five"]
    assert services.scores.score(learner, learner.user_id).total == 20 * 10 + 10 + 20


def test_evaluate_all_awards_every_learner_who_meets_a_rule_once(services, trainer, learner, make_learner,
                                                                 make_badge):
    others = [make_learner() for _ in range(3)]
    make_badge("regular", "workshops_attended", 1, bonus=5)
    for person in (learner, others[0], others[2]):
        attend(services, person.user_id, 7)
    with pytest.raises(PermissionDenied):
        services.badges.evaluate_all(learner)
    assert services.badges.evaluate_all(trainer) == 3
    assert services.badges.evaluate_all(trainer) == 0
    assert _codes(services, others[1].user_id) == [] and _codes(services, others[2].user_id) == ["regular"]


def test_query_shaped_input_never_reaches_mongodb_as_an_operator(services, trainer, learner, make_badge):
    make_badge("helper", "points", 10_000, bonus=5)
    for code in ({"$ne": None}, {"$gt": ""}, "helper' || '1'=='1", "$where"):
        with pytest.raises(ValidationError):
            services.badges.get_badge(trainer, code)
        with pytest.raises(FormErrors):
            services.badges.award(trainer, code, learner.user_id, "A fine reason")
    with pytest.raises(FormErrors):
        services.badges.award(trainer, "helper", {"$gt": 0}, "A fine reason")
    assert services.db["badge_awards"].count_documents({}) == 0
