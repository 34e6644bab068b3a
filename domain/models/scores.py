"""The global score — its formula, written once — and the views built around it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.models.badges import HeldBadge
from domain.models.paging import Page, PageRequest
from domain.models.progress import Category, ChallengeProgress, TimelineEntry
from domain.models.users import User

# Points a learner earns for each workshop they attended (attendance "present" or "late").
WORKSHOP_POINTS = 10
SPARKLINE_WEEKS = 12


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Global score = challenge points + bonus of active badges + WORKSHOP_POINTS × workshops attended.

    The one place the formula lives: every screen, the leaderboard and the rule-change
    preview build their scores from this class."""

    challenge_points: int = 0
    badge_points: int = 0
    workshops_attended: int = 0

    @property
    def workshop_points(self) -> int:
        return self.workshops_attended * WORKSHOP_POINTS

    @property
    def total(self) -> int:
        return self.challenge_points + self.badge_points + self.workshop_points

    def parts(self) -> list[tuple[str, int]]:
        """Labelled parts for a breakdown line, in the formula's order."""
        return [
            ("challenges", self.challenge_points),
            ("badges", self.badge_points),
            (f"workshops ({self.workshops_attended} × {WORKSHOP_POINTS})", self.workshop_points),
        ]

    def describe(self) -> str:
        """One line such as `420 = 350 challenges + 50 badges + 20 workshops (2 × 10)`."""
        return f"{self.total} = " + " + ".join(f"{value} {label}" for label, value in self.parts())


class Period(enum.StrEnum):
    """The time window a leaderboard counts points in."""

    ALL_TIME = "all"
    LAST_30_DAYS = "30d"
    THIS_WEEK = "week"

    @property
    def label(self) -> str:
        return {Period.ALL_TIME: "All time", Period.LAST_30_DAYS: "Last 30 days", Period.THIS_WEEK: "This week"}[self]

    def since(self, now: datetime) -> datetime | None:
        """The start of the window (weeks start on Monday, UTC), or None for all time."""
        if self is Period.LAST_30_DAYS:
            return now - timedelta(days=30)
        if self is Period.THIS_WEEK:
            return week_start(now)
        return None


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the week that contains `moment`, in `moment`'s time zone."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class LeaderboardRow:
    """One learner's place. `display_name` is already hidden when the viewer asked for privacy."""

    rank: int
    user_id: int
    display_name: str
    score: ScoreBreakdown
    completed: int
    last_point_at: datetime | None
    is_viewer: bool


@dataclass(frozen=True)
class LeaderboardPage:
    """A page of the ranking, plus the viewer's own row wherever it falls."""

    rows: list[LeaderboardRow]
    total: int
    request: PageRequest
    viewer: LeaderboardRow | None
    category: Category | None
    period: Period
    hide_names: bool
    # Whether the viewer hides their own name from other learners.
    hide_my_name: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.size))


@dataclass(frozen=True)
class WeeklyPoints:
    """Points earned per week, oldest first, for a sparkline; `weeks[i]` starts on Monday."""

    weeks: list[date]
    points: list[int]


@dataclass(frozen=True)
class UserProgressView:
    """Everything the progress screen (the brief's /users/:id/progress) shows about one learner."""

    learner: User
    challenges: list[ChallengeProgress]
    badges: list[HeldBadge]
    timeline: Page[TimelineEntry]
    score: ScoreBreakdown
    weekly: WeeklyPoints
