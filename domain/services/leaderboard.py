"""The leaderboard: every active learner ranked by global score.

Pages are read from figures maintained in PostgreSQL (`score_points`, `learner_scores`,
kept by `ScoreKeeper`): an all-time page is one scan of the board's index plus the
viewer's rank counted on it; a period or category board sums `score_points` in one
statement. `recomputed_page` keeps the full computation from the sources (one GROUP BY
on `user_challenges`, one `$group` on `badge_awards` and one on `registrations`, merged
and sorted here): the oracle the maintained figures are tested against.

Ranks follow standard competition ranking: equal scores share a rank and the next score
takes the rank after all of them (1, 2, 2, 4). Within a rank the order is the same every
time: whoever earned their last counted point earlier, then lower user id (TIE_BREAK says
so on screen).

With a category, a learner's score is the points of completed challenges in that
category plus the bonus of badges whose rule is about that category (workshops have no
category, so they do not count there). With a period, only points earned in it count:
completions by `completed_at`, badges by `awarded_at`, workshops attended by the
workshop's start.
"""

from __future__ import annotations

from datetime import datetime

from domain.clock import Clock, utc_now
from domain.models.paging import PageRequest
from domain.models.progress import Category
from domain.models.scores import WORKSHOP_POINTS, LeaderboardPage, LeaderboardRow, Period, ScoreBreakdown
from domain.models.users import Principal, Role
from domain.repositories.sql.scores import BoardLine
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.forms import choice, flag, optional_choice
from domain.services.scores import ScoreCalculator

HIDDEN_NAME = "Anonymous learner"
TIE_BREAK = "Equal scores share a rank, listed by who reached the score first."


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a if b is None else b
    return a if a >= b else b


def ranking_key(score: ScoreBreakdown, last_point_at: datetime | None, user_id: int) -> tuple[int, int, float, int]:
    """Sort key: score desc, then earliest last point first (none last), then user id."""
    return (-score.total, last_point_at is None, last_point_at.timestamp() if last_point_at else 0.0, user_id)


def competition_ranks(totals: list[int]) -> list[int]:
    """Ranks of scores sorted best first: equal scores share a rank, the next one skips (1, 2, 2, 4)."""
    ranks: list[int] = []
    for place, total in enumerate(totals):
        ranks.append(ranks[-1] if place and total == totals[place - 1] else place + 1)
    return ranks


class LeaderboardService:
    """Ranked pages, the viewer's own rank, and the per-user privacy switches (others' names, my name)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, calculator: ScoreCalculator, clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._calculator = calculator
        self._clock = clock

    def page(self, principal: Principal, page: PageRequest, category: Category | str | None = None,
             period: Period | str = Period.ALL_TIME) -> LeaderboardPage:
        """One page of the ranking plus the viewer's row (None for staff, who are not ranked).

        Read from the maintained figures (`ScoreTables`): the all-time board off its index,
        a period or category board in one grouped statement."""
        require_role(principal, *Role, doing="see the leaderboard")
        wanted = optional_choice(category, Category, "category", "Category")
        window = choice(period, Period, "period", "Period")
        now = self._clock()
        since = window.since(now)
        with self._uow() as uow:
            scores = uow.scores
            if wanted is None and since is None:
                scores.refresh_due(now, WORKSHOP_POINTS)
                board = scores.all_time(page.size, page.offset, principal.user_id)
            else:
                board = scores.window(page.size, page.offset, principal.user_id, now, since,
                                      wanted.value if wanted else None, WORKSHOP_POINTS)
            # Staff see every name a learner hides from other learners.
            others = [line.user_id for line in board.lines] if principal.role is Role.LEARNER else []
            privacy = uow.preferences.board_privacy(principal.user_id, others)
            uow.commit()
        hide = privacy.hide_names

        def row(line: BoardLine) -> LeaderboardRow:
            is_viewer = line.user_id == principal.user_id
            named = is_viewer or not (hide or line.user_id in privacy.withheld)
            name = line.full_name if named else HIDDEN_NAME
            score = ScoreBreakdown(line.challenge_points, line.badge_points, line.workshops_attended)
            return LeaderboardRow(line.rank, line.user_id, name, score, line.completed, line.last_point_at, is_viewer)

        viewer = row(board.viewer) if board.viewer is not None else None
        return LeaderboardPage([row(line) for line in board.lines], board.total, page, viewer, wanted, window, hide,
                               privacy.hide_my_name)

    def recomputed_page(self, principal: Principal, page: PageRequest, category: Category | str | None = None,
                        period: Period | str = Period.ALL_TIME) -> LeaderboardPage:
        """The same page computed from the sources in full (every completion, award and
        attendance grouped on each call): the oracle the maintained figures must equal."""
        require_role(principal, *Role, doing="see the leaderboard")
        wanted = optional_choice(category, Category, "category", "Category")
        window = choice(period, Period, "period", "Period")
        now = self._clock()
        since = window.since(now)
        with self._uow() as uow:
            ranked = uow.progress.ranking(wanted, since)
        bonuses, attended = self._calculator.mongo_parts(None, wanted, since)
        scored = []
        for learner in ranked:
            bonus, last_award = bonuses.get(learner.user_id, (0, None))
            score = ScoreBreakdown(learner.points, bonus, attended.get(learner.user_id, 0))
            last = _latest(learner.last_completed_at, last_award)
            scored.append((ranking_key(score, last, learner.user_id), learner, score, last))
        scored.sort(key=lambda item: item[0])
        ranks = competition_ranks([score.total for _, _, score, _ in scored])

        shown = range(page.offset, min(page.offset + page.size, len(scored)))
        # Staff see every name a learner hides from other learners.
        others = [scored[place][1].user_id for place in shown] if principal.role is Role.LEARNER else []
        with self._uow() as uow:
            privacy = uow.preferences.board_privacy(principal.user_id, others)
        hide = privacy.hide_names

        def row(place: int) -> LeaderboardRow:
            _, learner, score, last = scored[place]
            is_viewer = learner.user_id == principal.user_id
            named = is_viewer or not (hide or learner.user_id in privacy.withheld)
            name = learner.full_name if named else HIDDEN_NAME
            return LeaderboardRow(ranks[place], learner.user_id, name, score, learner.completed, last, is_viewer)

        rows = [row(place) for place in shown]
        viewer_place = next((i for i, item in enumerate(scored) if item[1].user_id == principal.user_id), None)
        viewer = row(viewer_place) if viewer_place is not None else None
        return LeaderboardPage(rows, len(scored), page, viewer, wanted, window, hide, privacy.hide_my_name)

    def hide_names(self, principal: Principal) -> bool:
        """Whether this user asked to see other learners anonymously."""
        require_role(principal, *Role, doing="read preferences")
        with self._uow() as uow:
            return uow.preferences.leaderboard_hide_names(principal.user_id)

    def set_hide_my_name(self, principal: Principal, hide: bool) -> bool:
        """Remember whether this learner's own name is hidden from other learners; returns the stored value.

        Others then see HIDDEN_NAME in its place; the learner still sees their own name, and
        trainers and admins see every name."""
        require_role(principal, Role.LEARNER, doing="hide your name on the leaderboard")
        flag(hide, "hide_my_name", "Hide my name")
        with self._uow() as uow:
            uow.preferences.set_leaderboard_hide_my_name(principal.user_id, hide, self._clock())
            uow.commit()
        return hide

    def set_hide_names(self, principal: Principal, hide: bool) -> bool:
        """Remember the privacy switch for this user; returns the stored value."""
        require_role(principal, *Role, doing="change preferences")
        flag(hide, "hide_names", "Hide names")
        with self._uow() as uow:
            uow.preferences.set_leaderboard_hide_names(principal.user_id, hide, self._clock())
            uow.commit()
        return hide
