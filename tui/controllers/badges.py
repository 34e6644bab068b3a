"""Badge definitions as the Badges screen (staff) sees them: the list, the form, the preview."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import FormErrors
from domain.models.badges import BadgeDefinition, BadgePreview, ChangeEffect, PreviewLine, RuleType
from domain.services.badge_rules import BONUS_POINTS, THRESHOLD, VALIDITY_DAYS
from domain.services.badges import BadgeService
from tui.controllers.choices import Choice, shorten
from tui.controllers.session import PrincipalSource

COLUMNS = ("Badge", "Rule", "Bonus", "Valid for", "Active")
NO_BADGE = "No badge yet: n creates one."
PREVIEW_COLUMNS = ("Learner", "Change", "Rule value", "Score before → after")

RULE_CHOICES = tuple(Choice(r.value, r.label) for r in RuleType)
# What the whole-number fields say while typed: the service's own parser and message.
NUMBER_CHECKS = {"threshold": THRESHOLD.problem, "bonus_points": BONUS_POINTS.problem,
                 "validity_days": VALIDITY_DAYS.problem}
EFFECT_LABELS: dict[ChangeEffect, str] = {
    ChangeEffect.GAINS: "gains",
    ChangeEffect.LOSES: "loses",
    ChangeEffect.BONUS_CHANGES: "bonus changes",
}


@dataclass(frozen=True)
class BadgeRow:
    """One badge definition in the table."""

    code: str
    name: str
    detail: str
    cells: tuple[str, ...]

    @classmethod
    def of(cls, badge: BadgeDefinition) -> BadgeRow:
        cells = (shorten(badge.name, 24), badge.rule.describe(), f"+{badge.bonus_points}",
                 _validity(badge.validity_days), "yes" if badge.active else "no")
        detail = f"{badge.code}, version {badge.version}: {badge.description or 'no description'}"
        return cls(badge.code, badge.name, detail, cells)


@dataclass(frozen=True)
class BadgeForm:
    """The badge form's values as typed (the service validates and converts them)."""

    code: str = ""
    name: str = ""
    description: str = ""
    rule_type: str = RuleType.CHALLENGES_COMPLETED.value
    threshold: str = ""
    category: str = ""
    bonus_points: str = "0"
    validity_days: str = ""
    active: bool = True
    # The badge is being edited (its code is fixed), rather than created.
    existing: bool = False

    @classmethod
    def of(cls, badge: BadgeDefinition) -> BadgeForm:
        return cls(badge.code, badge.name, badge.description, badge.rule.type.value, str(badge.rule.threshold),
                   badge.rule.category.value if badge.rule.category else "", str(badge.bonus_points),
                   str(badge.validity_days or ""), badge.active, existing=True)

    def arguments(self) -> tuple[str, str, str, str, str, str | None, str, str | None, bool]:
        """The values in the order BadgeService.preview and apply take them."""
        return (self.code, self.name, self.description, self.rule_type, self.threshold, self.category or None,
                self.bonus_points, self.validity_days or None, self.active)


@dataclass(frozen=True)
class PreviewRow:
    """One learner a badge change touches."""

    user_id: int
    effect: ChangeEffect
    cells: tuple[str, ...]

    @classmethod
    def of(cls, line: PreviewLine, badge_name: str) -> PreviewRow:
        change = f"{EFFECT_LABELS[line.effect]} {badge_name}"
        delta = line.score_after - line.score_before
        score = f"{line.score_before} → {line.score_after} ({delta:+d})"
        return cls(line.user_id, line.effect, (shorten(line.full_name, 24), shorten(change, 34), str(line.value), score))


@dataclass(frozen=True)
class PreviewView:
    """What saving a badge would do, and the version to apply it against."""

    code: str
    heading: str
    changes: tuple[str, ...]
    rows: tuple[PreviewRow, ...]
    gains: int
    losses: int
    bonus_changes: int
    expected_version: int | None

    @property
    def summary(self) -> str:
        """What applying will do, e.g. "2 learners gain it, 1 loses it, 0 see the bonus change."."""
        return (f"{_learners(self.gains)} gain{_s(self.gains == 1)} it, {self.losses} lose{_s(self.losses == 1)} it, "
                f"{self.bonus_changes} see{_s(self.bonus_changes == 1)} the bonus change.")

    @property
    def applied(self) -> str:
        """What applying did, once it is done."""
        return f"{_learners(self.gains)} gained it, {self.losses} lost it, {self.bonus_changes} saw the bonus change."

    @classmethod
    def of(cls, preview: BadgePreview) -> PreviewView:
        after, before = preview.after, preview.before
        if before is None:
            heading = f"New badge {after.name} ({after.code})"
            changes: tuple[str, ...] = (f"Rule: {after.rule.describe()}", f"Bonus: +{after.bonus_points}")
        else:
            heading = f"Change to {after.name} ({after.code}), version {before.version} → {after.version}"
            changes = tuple(_differences(before, after)) or ("No change to the rule, bonus or validity.",)
        gains, losses = len(preview.gains), len(preview.losses)
        rows = tuple(PreviewRow.of(line, after.name) for line in preview.lines)
        return cls(after.code, heading, changes, rows, gains, losses, len(preview.lines) - gains - losses,
                   before.version if before else None)


def _learners(count: int) -> str:
    return f"{count} learner{'' if count == 1 else 's'}"


def _s(singular: bool) -> str:
    """The verb ending for a count: "1 learner gains", "2 learners gain"."""
    return "s" if singular else ""


def _validity(days: int | None) -> str:
    return f"{days} days" if days else "always"


def _differences(before: BadgeDefinition, after: BadgeDefinition) -> list[str]:
    lines = []
    if before.name != after.name:
        lines.append(f"Name: {before.name} → {after.name}")
    if before.rule != after.rule:
        lines.append(f"Rule: {before.rule.describe()} → {after.rule.describe()}")
    if before.bonus_points != after.bonus_points:
        lines.append(f"Bonus: +{before.bonus_points} → +{after.bonus_points}")
    if before.validity_days != after.validity_days:
        lines.append(f"Valid for: {_validity(before.validity_days)} → {_validity(after.validity_days)}")
    if before.active != after.active:
        lines.append("Active: " + ("no → yes" if after.active else "yes → no"))
    return lines


class BadgesController:
    """Forwards the Badges screen's actions to the badge service with the current principal."""

    def __init__(self, badges: BadgeService, principal: PrincipalSource) -> None:
        self._badges = badges
        self._principal = principal

    def badges(self) -> tuple[BadgeRow, ...]:
        return tuple(BadgeRow.of(b) for b in self._badges.list_badges(self._principal()))

    def form(self, code: str) -> BadgeForm:
        """A badge's current values, to fill the edit form."""
        return BadgeForm.of(self._badges.get_badge(self._principal(), code))

    def preview(self, form: BadgeForm) -> PreviewView:
        """Who would gain or lose the badge; FormErrors names every wrong field."""
        preview = self._badges.preview(self._principal(), *form.arguments())
        if not form.existing and preview.before is not None:
            # The service would treat it as a change: a new badge must not replace one by accident.
            raise FormErrors({"code": f"A badge with the code {form.code} already exists: edit it instead"})
        return PreviewView.of(preview)

    def apply(self, form: BadgeForm, expected_version: int | None) -> PreviewView:
        """Save the badge exactly as previewed; Conflict if it changed since the preview."""
        preview = self._badges.apply(self._principal(), *form.arguments(), expected_version=expected_version)
        return PreviewView.of(preview)
