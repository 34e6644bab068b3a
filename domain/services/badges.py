"""Badges: rules checked after every progress step and attendance mark, awards, revocations,
and the preview of a rule change.

Automatic awarding gives a learner a badge once: a badge that expired, or that staff
revoked, is not handed back by the rules (staff can award it again by hand). Awards
closed by a rule change do not block: if the rule changes back, the very award comes
back with its original date (the learner never really lost it); only a badge lost
through the learner's own figures (a reset, an attendance correction) and earned again
is a new award, dated when it was earned again.
Bonus points and category of held awards follow the badge when it changes; a new
validity applies to awards made from then on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.clock import Clock, utc_now
from domain.errors import Conflict, NotFound
from domain.models.badges import (
    AwardState,
    BadgeAward,
    BadgeDefinition,
    BadgeDraft,
    BadgePreview,
    ChangeEffect,
    HeldBadge,
    LearnerFigures,
    PreviewLine,
    RuleType,
    streak_days,
)
from domain.models.users import Principal, Role
from domain.repositories.mongo.attendance import AttendanceRepository
from domain.repositories.mongo.badges import AwardRepository, BadgeRepository, award_id
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.badge_rules import auto_award_number, award_reason, badge_code, parse_badge_form, reopenable
from domain.services.forms import collect
from domain.services.ownership import require_self_or_staff, user_id_value
from domain.services.score_keeper import ScoreKeeper
from domain.services.scores import ScoreCalculator, held_badges

STAFF = (Role.ADMIN, Role.TRAINER)


@dataclass(frozen=True)
class BadgeChanges:
    """What re-checking one learner did: the awards it made and the ones it took back."""

    new: list[BadgeAward]
    lost: list[BadgeAward]


@dataclass(frozen=True)
class _Gain:
    user_id: int
    figures: LearnerFigures
    number: int
    # The award a rule change closed, given back as it was rather than replaced.
    reopen: BadgeAward | None


@dataclass(frozen=True)
class _Plan:
    preview: BadgePreview
    gains: list[_Gain]
    losses: list[BadgeAward]


class BadgeService:
    """Badge catalogue, awarding (automatic and by hand), revocation and rule-change previews."""

    def __init__(self, uow_factory: UnitOfWorkFactory, badges: BadgeRepository, awards: AwardRepository,
                 events: ProgressEventRepository, attendance: AttendanceRepository, calculator: ScoreCalculator,
                 activity: ActivityService, clock: Clock = utc_now, keeper: ScoreKeeper | None = None) -> None:
        self._uow = uow_factory
        self._keeper = keeper
        self._badges = badges
        self._awards = awards
        self._events = events
        self._attendance = attendance
        self._calculator = calculator
        self._activity = activity
        self._clock = clock

    # -- catalogue -------------------------------------------------------------------------
    def list_badges(self, principal: Principal) -> list[BadgeDefinition]:
        require_role(principal, *Role, doing="see badges")
        return self._badges.all()

    def get_badge(self, principal: Principal, code: str) -> BadgeDefinition:
        require_role(principal, *Role, doing="see badges")
        badge = self._badges.get(badge_code(code))
        if badge is None:
            raise NotFound(f"No badge with the code {code}.")
        return badge

    def preview(self, principal: Principal, code: object, name: object, description: object, rule_type: object,
                threshold: object, category: object = None, bonus_points: object = 0, validity_days: object = None,
                active: object = True) -> BadgePreview:
        """What saving this badge (new or changed) would do: who gains or loses it, score before → after."""
        require_role(principal, *STAFF, doing="change badges")
        key, draft = self._parse(code, name, description, rule_type, threshold, category, bonus_points,
                                 validity_days, active)
        return self._plan(key, draft, self._clock()).preview

    def apply(self, principal: Principal, code: object, name: object, description: object, rule_type: object,
              threshold: object, category: object = None, bonus_points: object = 0, validity_days: object = None,
              active: object = True, expected_version: int | None = None) -> BadgePreview:
        """Save the badge and do exactly what its preview says; returns that preview.

        `expected_version` is the version the preview was made against (None for a new
        badge): if someone saved the badge since, nothing changes and Conflict is raised."""
        require_role(principal, *STAFF, doing="change badges")
        key, draft = self._parse(code, name, description, rule_type, threshold, category, bonus_points,
                                 validity_days, active)
        now = self._clock()
        plan = self._plan(key, draft, now)
        current_version = plan.preview.before.version if plan.preview.before else None
        if current_version != expected_version:
            raise Conflict("This badge changed since the preview: preview it again before saving.")
        after = plan.preview.after
        trigger = f"rule:{key}:v{after.version}"
        self._awards.insert_many(
            [(self._new_award(after, gain.user_id, gain.number, now, gain.figures, trigger), after.version)
             for gain in plan.gains if gain.reopen is None])
        for gain in plan.gains:
            if gain.reopen is not None:
                self._awards.reopen(gain.reopen, after.bonus_points, after.rule.category)
        for award in plan.losses:
            self._awards.revoke(award.id, principal.user_id, f"Rule changed (version {after.version}): no longer met",
                                now, by_rule=True)
        self._awards.update_held(key, after.bonus_points, after.rule.category, now)
        self._scores_changed({a.user_id for a in self._awards.for_badge(key)})
        # Saved last: if MongoDB fails half-way, the old definition is still in place and
        # applying again finishes the job (awards use deterministic ids).
        self._badges.save(after, principal.user_id)
        self._log(principal, "badge.change", key, version=after.version, rule=after.rule.describe(),
                  gains=len(plan.gains), losses=len(plan.losses))
        return plan.preview

    def _parse(self, code: object, *form: object) -> tuple[str, BadgeDraft]:
        values = collect({"code": lambda: badge_code(code), "draft": lambda: parse_badge_form(*form)})
        return values["code"], values["draft"]

    def _plan(self, code: str, draft: BadgeDraft, now: datetime) -> _Plan:
        before = self._badges.get(code)
        after = BadgeDefinition(code, draft.name, draft.description, draft.rule, draft.bonus_points,
                                draft.validity_days, draft.active, before.version + 1 if before else 1, now)
        with self._uow() as uow:
            learners = uow.progress.active_learners()
        by_user: dict[int, list[BadgeAward]] = {}
        for made in self._awards.for_badge(code):
            by_user.setdefault(made.user_id, []).append(made)
        held = {uid: a for uid, awards in by_user.items() for a in awards if a.state(now) is AwardState.ACTIVE}
        rule_changed = before is not None and before.rule != after.rule
        figures = self._figures(None, {draft.rule.type}) if after.active or rule_changed else {}

        gains: list[_Gain] = []
        losses: list[BadgeAward] = []
        deltas: dict[int, tuple[ChangeEffect, int, int]] = {}
        for user_id in learners:
            mine = figures.get(user_id, LearnerFigures(user_id))
            award = held.get(user_id)
            if award is None:
                past = by_user.get(user_id, [])
                number = auto_award_number(past, now)
                if after.active and number is not None and after.rule.is_met(mine):
                    gains.append(_Gain(user_id, mine, number, reopenable(past, now)))
                    deltas[user_id] = (ChangeEffect.GAINS, after.bonus_points, after.rule.figure(mine))
            elif rule_changed and not award.manual and not after.rule.is_met(mine):
                losses.append(award)
                deltas[user_id] = (ChangeEffect.LOSES, -award.bonus_points, after.rule.figure(mine))
            elif award.bonus_points != after.bonus_points:
                deltas[user_id] = (ChangeEffect.BONUS_CHANGES, after.bonus_points - award.bonus_points,
                                   after.rule.figure(mine))
        before_scores = self._calculator.breakdowns(sorted(deltas))
        lines = [
            PreviewLine(uid, learners[uid], effect, before_scores[uid].total, before_scores[uid].total + delta, value)
            for uid, (effect, delta, value) in deltas.items()
        ]
        lines.sort(key=lambda line: (list(ChangeEffect).index(line.effect), line.full_name.lower(), line.user_id))
        return _Plan(BadgePreview(code, before, after, lines), gains, losses)

    # -- evaluation --------------------------------------------------------------------------
    def _figures(self, user_ids: list[int] | None, types: Iterable[RuleType]) -> dict[int, LearnerFigures]:
        """Rule figures of some learners (all when None): one query per source the rules need."""
        wanted = set(types)
        with self._uow() as uow:
            counts = uow.progress.category_counts(user_ids)
        attended = self._attendance.attended_counts(user_ids) if RuleType.WORKSHOPS_ATTENDED in wanted else {}
        days = self._events.active_days(user_ids) if RuleType.STREAK_DAYS in wanted else {}
        ids = set(user_ids) if user_ids is not None else set(counts) | set(attended) | set(days)
        figures: dict[int, LearnerFigures] = {}
        for uid in ids:
            count = counts.get(uid)
            figures[uid] = LearnerFigures(
                uid,
                dict(count.completed_by_category) if count else {},
                count.points if count else 0,
                attended.get(uid, 0),
                streak_days(days.get(uid, [])),
            )
        return figures

    def _new_award(self, badge: BadgeDefinition, user_id: int, number: int, at: datetime, figures: LearnerFigures,
                   trigger: str, manual: bool = False, reason: str | None = None) -> BadgeAward:
        return BadgeAward(
            id=award_id(badge.code, user_id, number), badge_code=badge.code, user_id=user_id, awarded_at=at,
            expires_at=badge.expires_at(at), bonus_points=badge.bonus_points, category=badge.rule.category,
            evidence=badge.rule.evidence(figures), manual=manual, reason=reason, revoked_at=None, revoked_by=None,
            revoke_reason=None, revoked_by_rule=False, trigger=trigger,
        )

    def recheck_learner(self, user_id: int, by: int | None = None, at: datetime | None = None,
                        trigger: str = "evaluation") -> BadgeChanges:
        """Bring one learner's automatic awards in line with the rules, in both directions.

        - Every active badge whose rule the learner now meets is awarded. Idempotent and safe
          under concurrency: awards have deterministic ids, so parallel checks of the same
          learner store one award.
        - Every automatic award whose rule is no longer met (after a reset, or an attendance
          correction) is taken back, as made by the rule: the badge comes back by itself once
          the rule is met again. Awards given by hand stay (staff decided them).

        `at` (the step that triggered the check) dates both, so a late replay still dates them
        when they happened; `by` is who made that step. One read of the badges, the learner's
        awards and their figures serves both directions."""
        now = self._clock()
        when = at or now
        badges = {b.code: b for b in self._badges.all()}
        existing = self._awards.for_user(user_id)
        held = [a for a in existing
                if not a.manual and a.badge_code in badges and a.state(now) is AwardState.ACTIVE]
        awardable = [b for b in badges.values() if b.active]
        types = {b.rule.type for b in awardable} | {badges[a.badge_code].rule.type for a in held}
        if not types:
            return BadgeChanges([], [])
        figures = self._figures([user_id], types).get(user_id, LearnerFigures(user_id))
        lost: list[BadgeAward] = []
        for award in held:
            rule = badges[award.badge_code].rule
            if rule.is_met(figures):
                continue
            reason = f"No longer met: {rule.figure(figures)} {rule.type.label}, the badge needs {rule.describe()}"
            if self._awards.revoke(award.id, by, reason, when, by_rule=True, trigger=trigger):
                lost.append(replace(award, revoked_at=when, revoked_by=by, revoke_reason=reason,
                                    revoked_by_rule=True, revoke_trigger=trigger))
        new: list[BadgeAward] = []
        for badge in awardable:
            if not badge.rule.is_met(figures):
                continue
            number = auto_award_number([a for a in existing if a.badge_code == badge.code], now)
            if number is None:
                continue
            award = self._new_award(badge, user_id, number, when, figures, trigger)
            if self._awards.insert(award, badge.version):
                new.append(award)
        if new or lost:
            self._scores_changed([user_id])
        return BadgeChanges(new, lost)

    def on_attendance_marked(self, learner_ids: Iterable[int]) -> list[BadgeAward]:
        """Re-check badges after the workshops module marked attendance; returns new awards.

        A correction (present → absent) can also take a "workshops attended" badge back.
        Raises DatabaseUnavailable when MongoDB is down, so a caller running inside an
        outbox handler keeps its record pending and the check happens on replay."""
        new: list[BadgeAward] = []
        for learner_id in sorted(set(learner_ids)):
            new += self.recheck_learner(user_id_value(learner_id, "learner_id"), trigger="attendance").new
        return new

    def evaluate_all(self, principal: Principal) -> int:
        """Check every active learner against every active badge (staff: after an import or a
        repair); one grouped query per source, one bulk insert. Returns the number of new awards."""
        require_role(principal, *STAFF, doing="re-check badges")
        now = self._clock()
        badges = [b for b in self._badges.all() if b.active]
        if not badges:
            return 0
        with self._uow() as uow:
            learners = uow.progress.active_learners()
        figures = self._figures(None, {b.rule.type for b in badges})
        awards: list[tuple[BadgeAward, int]] = []
        for badge in badges:
            by_user: dict[int, list[BadgeAward]] = {}
            for award in self._awards.for_badge(badge.code):
                by_user.setdefault(award.user_id, []).append(award)
            for user_id in sorted(learners):
                mine = figures.get(user_id, LearnerFigures(user_id))
                number = auto_award_number(by_user.get(user_id, []), now)
                if number is not None and badge.rule.is_met(mine):
                    awards.append((self._new_award(badge, user_id, number, now, mine, "evaluation"), badge.version))
        made = self._awards.insert_many(awards)
        self._scores_changed({award.user_id for award, _ in awards})
        return made

    def awards_triggered_by(self, trigger: str) -> list[BadgeAward]:
        """The awards a given progress step (`progress:<outbox id>`) brought."""
        return self._awards.triggered_by(trigger)

    def awards_withdrawn_by(self, user_id: int, trigger: str) -> list[BadgeAward]:
        """The awards of a learner a given progress step took back (see `recheck_learner`)."""
        return self._awards.revoked_by_trigger(user_id, trigger)

    # -- awards by hand ------------------------------------------------------------------------
    def awards_for(self, principal: Principal, user_id: int) -> list[HeldBadge]:
        """A learner's awards (held first, then expired and revoked) with badge names."""
        target = require_self_or_staff(principal, user_id, "badges")
        names = {b.code: b.name for b in self._badges.all()}
        return held_badges(self._awards.for_user(target), names, self._clock())

    def award(self, principal: Principal, code: str, learner_id: int, reason: object) -> BadgeAward:
        """Award a badge by hand (staff), whatever its rule says; the reason is kept."""
        require_role(principal, *STAFF, doing="award badges")
        values = collect({"code": lambda: badge_code(code), "learner_id": lambda: user_id_value(learner_id, "learner_id"),
                          "reason": lambda: award_reason(reason)})
        badge = self._badges.get(values["code"])
        if badge is None:
            raise NotFound(f"No badge with the code {code}.")
        learner_name = self._learner_name(values["learner_id"])
        now = self._clock()
        mine = [a for a in self._awards.for_user(learner_id) if a.badge_code == badge.code]
        if any(a.state(now) is AwardState.ACTIVE for a in mine):
            raise Conflict(f"{learner_name} already holds the badge {badge.name}.")
        for award in mine:
            if award.state(now) is AwardState.EXPIRED:
                self._awards.release_slot(award.id)
        figures = self._figures([learner_id], {badge.rule.type}).get(learner_id, LearnerFigures(learner_id))
        award = self._new_award(badge, learner_id, len(mine) + 1, now, figures, f"manual:{principal.user_id}",
                                manual=True, reason=values["reason"])
        if not self._awards.insert(award, badge.version):
            raise Conflict(f"{learner_name} already holds the badge {badge.name}.")
        self._scores_changed([values["learner_id"]])
        self._log(principal, "badge.award", award.id, reason=values["reason"])
        return award

    def revoke(self, principal: Principal, code: str, learner_id: int, reason: object) -> BadgeAward:
        """Revoke a learner's held badge (staff); it stops counting at once and is not re-awarded automatically."""
        require_role(principal, *STAFF, doing="revoke badges")
        values = collect({"code": lambda: badge_code(code), "learner_id": lambda: user_id_value(learner_id, "learner_id"),
                          "reason": lambda: award_reason(reason)})
        now = self._clock()
        held = [a for a in self._awards.for_user(learner_id)
                if a.badge_code == values["code"] and a.state(now) is AwardState.ACTIVE]
        if not held:
            raise NotFound(f"Learner {learner_id} holds no active {values['code']} badge.")
        award = held[0]
        if not self._awards.revoke(award.id, principal.user_id, values["reason"], now):
            raise Conflict("This badge was revoked meanwhile.")
        self._scores_changed([values["learner_id"]])
        self._log(principal, "badge.revoke", award.id, reason=values["reason"])
        return replace(award, revoked_at=now, revoked_by=principal.user_id, revoke_reason=values["reason"])

    def _scores_changed(self, user_ids: Iterable[int]) -> None:
        if self._keeper is not None:
            self._keeper.badges_changed(user_ids)

    def _learner_name(self, learner_id: int) -> str:
        with self._uow() as uow:
            user = uow.users.get(learner_id)
        if user is None or user.role is not Role.LEARNER or not user.is_active:
            raise NotFound(f"No active learner with id {learner_id}.")
        return user.full_name

    def _log(self, actor: Principal, action: str, entity_id: str, **details: object) -> None:
        with self._uow() as uow:
            self._activity.record(uow, actor, action, "badge", entity_id, dict(details))
            uow.commit()
