"""Global scores and the user progress view (the brief's /users/:id/progress).

A score's three parts come from two databases: challenge points from PostgreSQL
(`user_challenges`), badge bonuses and workshop attendance from MongoDB (`badge_awards`,
`registrations`). They are fetched with one grouped query per table or collection, for
any number of learners, and combined by `ScoreBreakdown`, the only place the formula is
written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.clock import Clock, utc_now
from domain.errors import NotFound
from domain.models.badges import AwardState, BadgeAward, HeldBadge
from domain.models.paging import Page, PageRequest
from domain.models.progress import Category, ProgressEvent, TimelineEntry
from domain.models.scores import (
    SPARKLINE_WEEKS,
    WORKSHOP_POINTS,
    ScoreBreakdown,
    UserProgressView,
    WeeklyPoints,
    week_start,
)
from domain.models.users import Principal, Role
from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.badges import AwardRepository, BadgeRepository
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.sql.progress import CompletedTotals
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.services.ownership import require_self_or_staff

DEFAULT_TIMELINE_PAGE = PageRequest(1, 20)


class ScoreCalculator:
    """Where each part of a score comes from (no role check: services call it after theirs)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, awards: AwardRepository, attendance: AttendanceRepository,
                 clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._awards = awards
        self._attendance = attendance
        self._clock = clock

    def mongo_parts(self, user_ids: list[int] | None, category: Category | None = None,
                    since: datetime | None = None) -> tuple[dict[int, tuple[int, datetime | None]], dict[int, int]]:
        """(user → (badge bonus, latest award time), user → workshops attended): one `$group` each.

        Workshops have no category: with a category filter they do not count. With a period,
        a workshop counts when it took place in it (its start, from PostgreSQL: one indexed
        query for the ids, which the `$group` then restricts itself to)."""
        now = self._clock()
        bonuses = self._awards.bonus_parts(now, user_ids, category, since)
        if category is not None:
            return bonuses, {}
        held_in: list[int] | None = None
        if since is not None:
            with self._uow() as uow:
                held_in = uow.workshops.started_between(since, now)
        return bonuses, self._attendance.attended_counts(user_ids, held_in)

    def attended_workshops(self, user_id: int) -> list[int]:
        """Ids of the workshops a learner attended (MongoDB, the workshops module's registrations)."""
        return self._attendance.attended_workshops(user_id)

    def breakdowns(self, user_ids: list[int]) -> dict[int, ScoreBreakdown]:
        """Every given learner's breakdown (zeros for those with nothing yet)."""
        if not user_ids:
            return {}
        with self._uow() as uow:
            totals = uow.progress.completed_totals(user_ids)
        return self.combine(user_ids, totals)

    def combine(self, user_ids: list[int], totals: dict[int, CompletedTotals]) -> dict[int, ScoreBreakdown]:
        """Join PostgreSQL totals already read with the MongoDB parts."""
        bonuses, attended = self.mongo_parts(user_ids)
        result: dict[int, ScoreBreakdown] = {}
        for user_id in user_ids:
            completed = totals.get(user_id)
            result[user_id] = ScoreBreakdown(completed.points if completed else 0,
                                             bonuses.get(user_id, (0, None))[0], attended.get(user_id, 0))
        return result

    def breakdown(self, user_id: int) -> ScoreBreakdown:
        return self.breakdowns([user_id])[user_id]


def held_badges(awards: list[BadgeAward], names: dict[str, str], now: datetime) -> list[HeldBadge]:
    """Awards with their badge names, the ones that count first."""
    order = {AwardState.ACTIVE: 0, AwardState.EXPIRED: 1, AwardState.REVOKED: 2}
    held = [HeldBadge(a, names.get(a.badge_code, a.badge_code), a.state(now)) for a in awards]
    return sorted(held, key=lambda h: (order[h.state], -h.award.awarded_at.timestamp(), h.award.id))


def current_badges(held: list[HeldBadge]) -> list[HeldBadge]:
    """One line per badge, as a learner's screen shows them: the award that counts now, else
    the latest one (a badge lost and earned again is held, not also "revoked")."""
    shown: dict[str, HeldBadge] = {}
    for line in held:
        code = line.award.badge_code
        current = shown.get(code)
        if current is None or (current.state is not AwardState.ACTIVE
                               and (line.state is AwardState.ACTIVE
                                    or line.award.awarded_at > current.award.awarded_at)):
            shown[code] = line
    return [line for line in held if shown[line.award.badge_code] is line]


class ScoreService:
    """A learner's score, and everything their progress screen shows."""

    def __init__(self, uow_factory: UnitOfWorkFactory, calculator: ScoreCalculator, events: ProgressEventRepository,
                 badges: BadgeRepository, awards: AwardRepository, clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._calculator = calculator
        self._events = events
        self._badges = badges
        self._awards = awards
        self._clock = clock

    def score(self, principal: Principal, user_id: int) -> ScoreBreakdown:
        target = require_self_or_staff(principal, user_id, "score")
        return self._calculator.breakdown(target)

    def user_progress(self, principal: Principal, user_id: int,
                      timeline_page: PageRequest = DEFAULT_TIMELINE_PAGE) -> UserProgressView:
        """The learner (PostgreSQL), their challenges (PostgreSQL), badges and timeline (MongoDB),
        their score with its breakdown, and points per week over the last 12 weeks."""
        target = require_self_or_staff(principal, user_id, "progress")
        now = self._clock()
        first_week = week_start(now) - timedelta(weeks=SPARKLINE_WEEKS - 1)
        events = self._events.page_for_user(target, timeline_page)
        attended_ids = self._calculator.attended_workshops(target)
        with self._uow() as uow:
            users = uow.users
            learner = users.get(target)
            if learner is None or learner.role is not Role.LEARNER:
                raise NotFound(f"No learner with id {target}.")
            progress = uow.progress
            challenges = progress.for_user(target)
            totals = progress.completed_totals([target])
            weekly_challenge_points = progress.weekly_points(target, first_week)
            attended = uow.workshops.get_many(attended_ids)
            titles = {c.id: c.title for c in uow.challenges.get_many(
                {e.challenge_id for e in events.items}).values()}
            actors = users.get_many([e.by for e in events.items if e.by != target])
        score = self._calculator.combine([target], totals)[target]
        awards = self._awards.for_user(target)
        names = {b.code: b.name for b in self._badges.all()}
        badges = current_badges(held_badges(awards, names, now))
        people = {target: learner.full_name, **{uid: u.full_name for uid, u in actors.items()}}
        timeline = Page([_entry(e, titles, people) for e in events.items], events.total, events.request)
        weeks = [(first_week + timedelta(weeks=i)).date() for i in range(SPARKLINE_WEEKS)]
        points = [weekly_challenge_points.get(w, 0) for w in weeks]
        # Badge bonuses count in the week they were awarded, as long as they still count;
        # workshops in the week they took place.
        dated = [(h.award.awarded_at, h.award.bonus_points) for h in badges if h.state is AwardState.ACTIVE]
        dated += [(w.starts_at, WORKSHOP_POINTS) for w in attended.values()]
        for moment, value in dated:
            index = (week_start(moment.astimezone(now.tzinfo)).date() - weeks[0]).days // 7
            if 0 <= index < SPARKLINE_WEEKS:
                points[index] += value
        return UserProgressView(learner, challenges, badges, timeline, score, WeeklyPoints(weeks, points))


def _entry(event: ProgressEvent, titles: dict[int, str], people: dict[int, str]) -> TimelineEntry:
    if event.by in people:
        by_name = people[event.by]
    else:
        # Id 0 is the command line (seeding, repairs); other ids belong to deleted users.
        by_name = "SkillHub" if event.by == 0 else f"user {event.by}"
    return TimelineEntry(
        at=event.at, kind=event.kind, challenge_id=event.challenge_id,
        challenge_title=titles.get(event.challenge_id, f"challenge {event.challenge_id}"), category=event.category,
        percent=event.percent, points=event.points, by_name=by_name, reason=event.reason,
    )
