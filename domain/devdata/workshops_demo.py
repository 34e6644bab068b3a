"""Demo workshops for a first `make run`: past and upcoming, one full with a waitlist,
one cancelled, registrations, attendance on past ones and comments.

Everything goes through the services (rules, outbox, activity log), with the clock set
back where a past workshop needs it: the demo is data SkillHub itself could have made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.bootstrap import SkillHub
from domain.clock import fixed_clock
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role, User
from domain.models.workshops import Attendance, WorkshopInput
from domain.services.container import Services

P, L, E, A = Attendance.PRESENT, Attendance.LATE, Attendance.EXCUSED, Attendance.ABSENT


@dataclass(frozen=True)
class DemoWorkshop:
    title: str
    trainer: int  # index into the trainers, by name
    days: int  # start, in days from today (negative: already happened)
    hour: int
    duration: int
    capacity: int
    place: str
    description: str
    learners: list[int] = field(default_factory=list)  # indexes into the learners, by name
    attendance: list[Attendance] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    cancel_reason: str | None = None
    learner_cancels: list[int] = field(default_factory=list)


DEMO_WORKSHOPS = [
    DemoWorkshop("Python for data analysis", 0, -21, 9, 180, 12, "Room A - Lyon",
                 "pandas, notebooks and clean plots on a real open data set.",
                 [0, 1, 2, 3, 4, 5, 6, 7], [P, P, L, P, E, A, P, P],
                 ["Great group. Send the notebook to everyone who was late.",
                  "Two learners asked for a follow-up on time series."]),
    DemoWorkshop("Git branching in practice", 1, -7, 14, 120, 8, "Room B - Lyon",
                 "Feature branches, rebase versus merge, resolving conflicts calmly.",
                 [3, 4, 5, 8, 9, 10], [P, P, A, L, P, E],
                 ["Projector cable missing: bring the spare one next time."]),
    DemoWorkshop("Writing clean SQL", 0, 3, 9, 150, 10, "Room A - Lyon",
                 "Joins, window functions and readable queries.", [0, 2, 4, 6, 8]),
    DemoWorkshop("Docker from zero", 1, 5, 14, 240, 4, "Online",
                 "Images, containers, volumes and a compose file for a small web app.",
                 [1, 3, 5, 7, 9, 11, 0], comments=["Full: three learners on the waitlist, ask for a second date?"]),
    DemoWorkshop("Accessible web forms", 0, 10, 9, 90, 15, "Room C - Villeurbanne",
                 "Labels, errors and keyboard use that work for everyone.", [2, 10, 11], learner_cancels=[10]),
    DemoWorkshop("Public speaking for trainers", 1, 14, 10, 120, 6, "Room B - Lyon",
                 "Voice, pace and handling questions.", [4, 6, 8],
                 cancel_reason="Trainer unavailable: a new date will be announced."),
    DemoWorkshop("Testing with pytest", 0, 21, 14, 180, 20, "Online",
                 "Fixtures, parametrize and testing against real databases."),
    DemoWorkshop("MongoDB data modelling", 1, 28, 9, 180, 12, "Room A - Lyon",
                 "Documents, references and indexes for the queries you actually run.", [1, 5, 9]),
]


def _principal(user: User) -> Principal:
    return Principal(user.id, user.email, user.full_name, user.role, "demo")


def seed_workshops(skillhub: SkillHub) -> None:
    """Create the demo workshops (a demo step: runs once, on an empty database)."""
    services = skillhub.services
    with skillhub.resources.uow() as uow:
        people = uow.users
        trainers = people.list(PageRequest(1, 10), role=Role.TRAINER, active_only=True).items
        learners = people.list(PageRequest(1, 100), role=Role.LEARNER, active_only=True).items
    if not trainers or len(learners) < 12:
        return
    now = skillhub.resources.clock().replace(minute=0, second=0, microsecond=0)
    for demo in DEMO_WORKSHOPS:
        trainer = _principal(trainers[demo.trainer % len(trainers)])
        starts_at = (now + timedelta(days=demo.days)).replace(hour=demo.hour)
        # Past workshops are created (and registered to) as if it were a month earlier.
        booked_at = min(now, starts_at - timedelta(days=10))
        _seed_one(services, demo, trainer, learners, starts_at, booked_at)


def _seed_one(services: Services, demo: DemoWorkshop, trainer: Principal, learners: list[User],
              starts_at: datetime, booked_at: datetime) -> None:
    clock = fixed_clock(booked_at)
    workshops, registrations = services.workshops.with_clock(clock), services.registrations.with_clock(clock)
    workshop = workshops.create(trainer, WorkshopInput(
        title=demo.title, trainer_id=trainer.user_id, starts_at=starts_at, duration_minutes=demo.duration,
        capacity=demo.capacity, description=demo.description, place=demo.place,
    ))
    for index in demo.learners:
        registrations.register(_principal(learners[index]), workshop.id)
    for index in demo.learner_cancels:
        learner = _principal(learners[index])
        registrations.cancel(learner, workshop.id, reason="Schedule clash")
        registrations.register(learner, workshop.id)
    if demo.attendance:
        marks = {learners[i].id: mark for i, mark in zip(demo.learners, demo.attendance, strict=True)}
        services.registrations.with_clock(fixed_clock(starts_at + timedelta(minutes=15))).mark_attendance(
            trainer, workshop.id, marks)
    # A past workshop's comments are written after it ended, an upcoming one's when it was booked.
    written_at = starts_at + timedelta(minutes=demo.duration + 60) if demo.attendance else booked_at
    commenting = services.registrations.with_clock(fixed_clock(written_at))
    for comment in demo.comments:
        commenting.add_comment(trainer, workshop.id, comment)
    if demo.cancel_reason:
        workshops.cancel(trainer, workshop.id, demo.cancel_reason)
