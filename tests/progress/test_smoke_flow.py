from tests.conftest import NOW

def test_learner_completes_challenge_and_earns_first_badge(services, learner, make_challenge, make_badge):
    ch = make_challenge(points=120)
    make_badge("first-steps", "challenges_completed", 1, bonus=10)
    services.progress.start(learner, ch.id)
    services.progress.update(learner, ch.id, 40)
    out = services.progress.complete(learner, ch.id)
    assert out.synced and out.warning is None
    assert [a.badge_code for a in out.new_badges] == ["first-steps"]
    view = services.scores.user_progress(learner, learner.user_id)
    assert view.score.total == 130
    assert [e.kind.value for e in view.timeline.items] == ["completed", "progress", "started"]
    print(view.weekly)
