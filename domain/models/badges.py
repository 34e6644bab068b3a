"""Badge definitions, their rules, awards, and the figures a rule is checked against."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.models.progress import Category

CODE_PATTERN = r"[a-z0-9][a-z0-9-]{1,39}"
THRESHOLD_MAX = 1_000_000
BONUS_MAX = 1000
VALIDITY_MAX_DAYS = 3650


class RuleType(enum.StrEnum):
    """What a badge rule counts."""

    CHALLENGES_COMPLETED = "challenges_completed"
    POINTS = "points"
    WORKSHOPS_ATTENDED = "workshops_attended"
    STREAK_DAYS = "streak_days"

    @property
    def label(self) -> str:
        return {
            RuleType.CHALLENGES_COMPLETED: "challenges completed",
            RuleType.POINTS: "challenge points",
            RuleType.WORKSHOPS_ATTENDED: "workshops attended",
            RuleType.STREAK_DAYS: "consecutive days with progress",
        }[self]


@dataclass(frozen=True)
class LearnerFigures:
    """The counts badge rules look at, for one learner.

    `points` are challenge points only: a badge's bonus never helps earn another badge,
    so awarding cannot feed on itself."""

    user_id: int
    completed_by_category: dict[Category, int] = field(default_factory=dict)
    points: int = 0
    workshops_attended: int = 0
    longest_streak: int = 0

    @property
    def completed(self) -> int:
        return sum(self.completed_by_category.values())


@dataclass(frozen=True)
class BadgeRule:
    """`type ≥ threshold`, optionally restricted to one category (challenges only)."""

    type: RuleType
    threshold: int
    category: Category | None = None

    def figure(self, figures: LearnerFigures) -> int:
        """The learner's value for this rule."""
        if self.type is RuleType.CHALLENGES_COMPLETED:
            if self.category is not None:
                return figures.completed_by_category.get(self.category, 0)
            return figures.completed
        if self.type is RuleType.POINTS:
            return figures.points
        if self.type is RuleType.WORKSHOPS_ATTENDED:
            return figures.workshops_attended
        return figures.longest_streak

    def is_met(self, figures: LearnerFigures) -> bool:
        return self.figure(figures) >= self.threshold

    def evidence(self, figures: LearnerFigures) -> dict[str, Any]:
        """The figures that were checked, kept with an award so anyone can see why."""
        evidence: dict[str, Any] = {"rule": self.type.value, "threshold": self.threshold, "value": self.figure(figures)}
        if self.category is not None:
            evidence["category"] = self.category.value
        return evidence

    def describe(self) -> str:
        where = f" in {self.category.value}" if self.category is not None else ""
        return f"{self.threshold}+ {self.type.label}{where}"


@dataclass(frozen=True)
class BadgeDefinition:
    """A badge and its rule (MongoDB `badges`); `version` grows with every change."""

    code: str
    name: str
    description: str
    rule: BadgeRule
    bonus_points: int
    validity_days: int | None
    active: bool
    version: int
    updated_at: datetime

    def expires_at(self, awarded_at: datetime) -> datetime | None:
        return awarded_at + timedelta(days=self.validity_days) if self.validity_days else None


@dataclass(frozen=True)
class BadgeDraft:
    """Validated form values for creating or changing a badge."""

    name: str
    description: str
    rule: BadgeRule
    bonus_points: int
    validity_days: int | None
    active: bool


class AwardState(enum.StrEnum):
    """Whether an award counts: only ACTIVE ones add their bonus to the score."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class BadgeAward:
    """One award of a badge to a learner (MongoDB `badge_awards`)."""

    id: str
    badge_code: str
    user_id: int
    awarded_at: datetime
    expires_at: datetime | None
    bonus_points: int
    category: Category | None
    evidence: dict[str, Any]
    manual: bool
    reason: str | None
    revoked_at: datetime | None
    revoked_by: int | None
    revoke_reason: str | None
    revoked_by_rule: bool
    trigger: str
    # The step that took the award back because its rule was no longer met (a reset, an
    # attendance correction); None for a revocation by hand or by a rule change.
    revoke_trigger: str | None = None

    @property
    def closed_by_rule_change(self) -> bool:
        """Taken back because staff changed the badge's rule, not because the learner's own
        figures dropped: if the rule comes back, so does this award, with its original date."""
        return self.revoked_by_rule and self.revoke_trigger is None

    def state(self, now: datetime) -> AwardState:
        if self.revoked_at is not None:
            return AwardState.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return AwardState.EXPIRED
        return AwardState.ACTIVE


@dataclass(frozen=True)
class HeldBadge:
    """An award with its badge's name, as the progress screen lists it."""

    award: BadgeAward
    name: str
    state: AwardState


class ChangeEffect(enum.StrEnum):
    """How a badge change touches one learner."""

    GAINS = "gains"
    LOSES = "loses"
    BONUS_CHANGES = "bonus_changes"


@dataclass(frozen=True)
class PreviewLine:
    """One learner touched by a badge change: what happens and the score before → after."""

    user_id: int
    full_name: str
    effect: ChangeEffect
    score_before: int
    score_after: int
    value: int


@dataclass(frozen=True)
class BadgePreview:
    """What saving a badge change does, computed before (preview) and when applying it."""

    code: str
    before: BadgeDefinition | None
    after: BadgeDefinition
    lines: list[PreviewLine]

    @property
    def gains(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.effect is ChangeEffect.GAINS]

    @property
    def losses(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.effect is ChangeEffect.LOSES]


def streak_days(days: list[date]) -> int:
    """The longest run of consecutive calendar days in `days` (any order, repeats allowed)."""
    ordered = sorted(set(days))
    best = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best = max(best, run)
        previous = day
    return best
