"""The badge form's fields and the award-numbering rules (plain functions, no database)."""

from __future__ import annotations

import re
from datetime import datetime

from domain import validation
from domain.errors import FormErrors, ValidationError
from domain.models.badges import (
    BONUS_MAX,
    CODE_PATTERN,
    THRESHOLD_MAX,
    VALIDITY_MAX_DAYS,
    AwardState,
    BadgeAward,
    BadgeDraft,
    BadgeRule,
    RuleType,
)
from domain.models.progress import REASON_MAX, REASON_MIN, Category
from domain.services.forms import choice, collect, flag, optional_choice

THRESHOLD = validation.WholeNumber("threshold", "Threshold", 1, THRESHOLD_MAX)
BONUS_POINTS = validation.WholeNumber("bonus_points", "Bonus points", 0, BONUS_MAX)
VALIDITY_DAYS = validation.WholeNumber("validity_days", "Validity (days)", 1, VALIDITY_MAX_DAYS)


def parse_badge_form(name: object, description: object, rule_type: object, threshold: object,
                     category: object = None, bonus_points: object = 0, validity_days: object = None,
                     active: object = True) -> BadgeDraft:
    """Validate a badge form; FormErrors lists every wrong field at once."""
    values = collect({
        "name": lambda: validation.text(name, "name", "Name", 3, 80),
        "description": lambda: validation.text("" if description is None else description, "description",
                                               "Description", 0, 500, multiline=True),
        "rule_type": lambda: choice(rule_type, RuleType, "rule_type", "Rule"),
        "threshold": lambda: THRESHOLD.parse(threshold),
        "category": lambda: optional_choice(category, Category, "category", "Category"),
        "bonus_points": lambda: BONUS_POINTS.parse(bonus_points),
        "validity_days": lambda: None if _blank(validity_days) else VALIDITY_DAYS.parse(validity_days),
        "active": lambda: flag(active, "active", "Active"),
    })
    if values["category"] is not None and values["rule_type"] is not RuleType.CHALLENGES_COMPLETED:
        raise FormErrors({"category": "Only a 'challenges completed' rule can be limited to a category"})
    rule = BadgeRule(values["rule_type"], values["threshold"], values["category"])
    return BadgeDraft(values["name"], values["description"], rule, values["bonus_points"], values["validity_days"],
                      values["active"])


def _blank(value: object) -> bool:
    """An optional number left empty: None, or text of spaces only (trimmed like any number)."""
    return value is None or (isinstance(value, str) and not value.strip())


def badge_code(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(CODE_PATTERN, value.strip()):
        raise ValidationError("Code must be 2–40 lowercase letters, digits or dashes (e.g. energy-saver)",
                              field="code")
    return value.strip()


def award_reason(value: object) -> str:
    """The reason staff give for awarding or revoking a badge by hand."""
    return validation.text(value, "reason", "Reason", REASON_MIN, REASON_MAX)


def reopenable(awards: list[BadgeAward], now: datetime) -> BadgeAward | None:
    """The award to give back instead of a new one: the learner's latest award of the badge,
    if a rule change closed it and it would still be valid now."""
    latest = max(awards, key=lambda a: (a.awarded_at, a.id), default=None)
    if latest is None or not latest.closed_by_rule_change:
        return None
    return latest if latest.expires_at is None or latest.expires_at > now else None


def auto_award_number(awards: list[BadgeAward], now: datetime) -> int | None:
    """The number of the next automatic award of one badge to one learner, or None if the
    rules may not award it: already held, expired, or revoked by staff."""
    for award in awards:
        state = award.state(now)
        if state is AwardState.ACTIVE or state is AwardState.EXPIRED:
            return None
        if state is AwardState.REVOKED and not award.revoked_by_rule:
            return None
    return len(awards) + 1
