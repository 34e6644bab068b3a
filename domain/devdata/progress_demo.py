"""Demo challenges, badges and progress, spread over the last weeks (a `demo_steps` entry).

Deterministic: the same learners do the same steps on the same days (counted back from
today), so the progress screen, its sparkline and the leaderboard look the same on
every fresh install.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.bootstrap import SkillHub
from domain.clock import fixed_clock
from domain.models.users import SYSTEM, Principal, Role

# title, category, points, difficulty, kg CO2, source, active
DEMO_CHALLENGES: list[tuple[str, str, int, str, str | None, str | None, bool]] = [
    ("Switch off standby devices", "energy", 50, "easy", "12.5", "ADEME, Agir pour la transition 2023", True),
    ("Wash laundry cold for a month", "energy", 80, "medium", "20", "ADEME, Base Empreinte", True),
    ("Zero-waste lunch week", "waste", 60, "easy", None, None, True),
    ("Compost kitchen scraps", "waste", 100, "medium", "45", "ADEME, Base Empreinte", True),
    ("Cycle to the training centre", "mobility", 120, "medium", "60", "Base Carbone, car 0.19 kg/km", True),
    ("Car-free weekend", "mobility", 70, "easy", None, None, True),
    ("Vegetarian week", "food", 90, "medium", "15", "Agribalyse 3.1", True),
    ("Shop at the local seasonal market", "food", 40, "easy", None, None, True),
    ("Five-minute showers", "water", 50, "easy", "8", "ADEME, hot water 0.09 kg/l", True),
    ("Clean up your mailbox and cloud", "digital", 30, "easy", "2", "ADEME, La face cachee du numerique", True),
    ("Organise a repair cafe", "waste", 150, "hard", None, None, False),
]

# code, name, description, rule type, threshold, category, bonus, validity days
DEMO_BADGES: list[tuple[str, str, str, str, int, str | None, int, int | None]] = [
    ("first-steps", "First steps", "Complete a first challenge.", "challenges_completed", 1, None, 10, None),
    ("energy-saver", "Energy saver", "Complete two energy challenges.", "challenges_completed", 2, "energy", 25, None),
    ("high-scorer", "High scorer", "Earn 250 challenge points.", "points", 250, None, 50, 90),
    ("workshop-regular", "Workshop regular", "Attend two workshops.", "workshops_attended", 2, None, 20, None),
    ("steady-streak", "Steady streak", "Make progress five days in a row.", "streak_days", 5, None, 30, None),
]

DAYS_BACK = 80


def _learners(skillhub: SkillHub) -> list[Principal]:
    with skillhub.resources.uow() as uow:
        learners = uow.progress.active_learners()
    return [
        Principal(user_id, "", name, Role.LEARNER, "demo")
        for user_id, name in sorted(learners.items())
    ]


def seed_progress_demo(skillhub: SkillHub) -> None:
    """Create the demo challenges and badges, then play each demo learner's steps day by day."""
    services, clock = skillhub.services, skillhub.resources.clock
    challenge_ids = [
        services.challenges.create(SYSTEM, title, f"Demo challenge: {title.lower()}.", category, points, difficulty,
                                   co2, source, active).id
        for title, category, points, difficulty, co2, source, active in DEMO_CHALLENGES
    ]
    for code, name, description, rule, threshold, category, bonus, validity in DEMO_BADGES:
        services.badges.apply(SYSTEM, code, name, description, rule, threshold, category, bonus, validity)

    today = clock().replace(hour=10, minute=0, second=0, microsecond=0)
    learners = _learners(skillhub)
    active_ids = challenge_ids[:10]
    steps: list[tuple[datetime, Principal, int, int]] = []
    for i, learner in enumerate(learners):
        # Each learner takes a different handful of challenges, spread over the weeks.
        taken = [active_ids[(i + k * 3) % len(active_ids)] for k in range(2 + (i % 4))]
        for k, challenge_id in enumerate(taken):
            day = today - timedelta(days=DAYS_BACK - 5 * i - 9 * k)
            finish = 100 if (i + k) % 3 != 2 else 40 + 10 * k
            steps.append((day, learner, challenge_id, 0))
            steps.append((day + timedelta(days=2), learner, challenge_id, 50))
            steps.append((day + timedelta(days=4), learner, challenge_id, finish))
    if learners:
        # One learner works a little every day for a week: the streak badge.
        first = learners[0]
        streak_challenge = active_ids[-1]
        for d in range(6):
            steps.append((today - timedelta(days=12 - d), first, streak_challenge, 0 if d == 0 else 15 * d))
    for day, learner, challenge_id, percent in sorted(steps, key=lambda s: (s[0], s[1].user_id, s[2])):
        if day > clock():
            continue
        progress = services.progress.with_clock(fixed_clock(day))
        if percent == 0:
            progress.start(learner, challenge_id)
        else:
            progress.update(learner, challenge_id, percent)
    if len(learners) > 3:
        services.badges.award(SYSTEM, "workshop-regular", learners[2].user_id,
                              "Helped run the bike repair workshop")
        completed = [c for c in services.scores.user_progress(SYSTEM, learners[3].user_id).challenges
                     if c.status.value == "completed"]
        if completed:
            services.progress.reset(SYSTEM, learners[3].user_id, completed[0].challenge_id,
                                    "Completed by mistake during the demo")
