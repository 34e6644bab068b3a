"""Challenges, a learner's progress on them, and the history of every step."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


class Category(enum.StrEnum):
    """The ecological theme of a challenge."""

    ENERGY = "energy"
    WASTE = "waste"
    MOBILITY = "mobility"
    FOOD = "food"
    WATER = "water"
    DIGITAL = "digital"


class Difficulty(enum.StrEnum):
    """How hard a challenge is, as its author judges it."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class ProgressStatus(enum.StrEnum):
    """Where a learner stands on one challenge (`user_challenges.status`)."""

    STARTED = "started"
    COMPLETED = "completed"
    RESET = "reset"


class EventKind(enum.StrEnum):
    """What one step of the history (`progress_events.kind`) records."""

    STARTED = "started"
    PROGRESS = "progress"
    COMPLETED = "completed"
    RESET = "reset"
    RECORDED_BY_TRAINER = "recorded_by_trainer"


# Every kind except a reset is a day "with progress" for the streak rule.
STREAK_KINDS: tuple[EventKind, ...] = (
    EventKind.STARTED, EventKind.PROGRESS, EventKind.COMPLETED, EventKind.RECORDED_BY_TRAINER,
)

TITLE_MIN, TITLE_MAX = 3, 120
DESCRIPTION_MAX = 2000
POINTS_MIN, POINTS_MAX = 1, 1000
CO2_MAX = Decimal("100000")
CO2_SOURCE_MAX = 300
REASON_MIN, REASON_MAX = 3, 300


@dataclass(frozen=True)
class Challenge:
    """An ecological challenge learners take (PostgreSQL `challenges`)."""

    id: int
    title: str
    description: str
    category: Category
    points: int
    difficulty: Difficulty
    co2_kg: Decimal | None
    co2_source: str | None
    is_active: bool
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ChallengeDraft:
    """Validated form values for creating or editing a challenge."""

    title: str
    description: str
    category: Category
    points: int
    difficulty: Difficulty
    co2_kg: Decimal | None
    co2_source: str | None
    is_active: bool


@dataclass(frozen=True)
class ChallengeProgress:
    """One learner's current state on one challenge (`user_challenges` joined with its challenge)."""

    user_id: int
    challenge_id: int
    title: str
    category: Category
    challenge_points: int
    status: ProgressStatus
    percent: int
    started_at: datetime
    completed_at: datetime | None
    points_awarded: int
    updated_at: datetime


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a learner's history (MongoDB `progress_events`, append-only)."""

    id: str
    user_id: int
    challenge_id: int
    kind: EventKind
    percent: int
    points: int
    by: int
    at: datetime
    reason: str | None
    category: Category


@dataclass(frozen=True)
class TimelineEntry:
    """A history step as the progress screen shows it: names resolved from PostgreSQL."""

    at: datetime
    kind: EventKind
    challenge_id: int
    challenge_title: str
    category: Category
    percent: int
    points: int
    by_name: str
    reason: str | None
