"""The leaderboard as its screen sees it: a ranked page, the viewer's own line, the filters."""

from __future__ import annotations

from dataclasses import dataclass

from domain.models.progress import Category
from domain.models.scores import LeaderboardPage, LeaderboardRow, Period
from domain.models.users import Role
from domain.services.leaderboard import HIDDEN_NAME, TIE_BREAK, LeaderboardService
from tui.controllers.choices import Choice, shorten
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.session import PrincipalSource

PAGE_SIZE = 50
COLUMNS = ("Rank", "Learner", "Score", "Challenges + badges + workshops", "Done")

# Blank means every category.
CATEGORY_CHOICES = tuple(Choice(c.value, c.value) for c in Category)
PERIOD_CHOICES = tuple(Choice(p.value, p.label) for p in Period)
NOT_RANKED = "Trainers and admins are not ranked: the board lists learners only."
# Under the table: how equal scores are ranked and ordered.
TIES_LINE = TIE_BREAK


@dataclass(frozen=True)
class RankLine:
    """One learner's place on the board."""

    rank: int
    user_id: int
    is_viewer: bool
    cells: tuple[str, ...]

    @property
    def key(self) -> int:
        return self.user_id

    @classmethod
    def of(cls, row: LeaderboardRow) -> RankLine:
        score = row.score
        compact = f"{score.challenge_points} + {score.badge_points} + {score.workshop_points}"
        name = f"{shorten(row.display_name, 24)} (you)" if row.is_viewer else shorten(row.display_name, 24)
        cells = (str(row.rank), name, str(score.total), compact, str(row.completed))
        return cls(row.rank, row.user_id, row.is_viewer, cells)


@dataclass(frozen=True)
class LeaderboardView:
    """A page of the ranking, the viewer's own line, and the filters that produced them."""

    rows: tuple[RankLine, ...]
    info: PageInfo
    viewer_line: str
    viewer_on_page: bool
    hide_names: bool
    category: str
    period: str
    # Only learners are on the board, so only they can hide their own name.
    can_hide_my_name: bool = False
    hide_my_name: bool = False


def _viewer_line(page: LeaderboardPage) -> str:
    viewer = page.viewer
    if viewer is None:
        return NOT_RANKED
    completed = f"{viewer.completed} challenge{'' if viewer.completed == 1 else 's'} completed"
    line = f"You: #{viewer.rank} of {page.total} · {viewer.score.describe()} · {completed}"
    return line + (f" · other learners see you as “{HIDDEN_NAME}”" if page.hide_my_name else "")


class LeaderboardController:
    """Reads ranked pages and remembers the viewer's privacy switch."""

    def __init__(self, leaderboard: LeaderboardService, principal: PrincipalSource,
                 page_size: int = PAGE_SIZE) -> None:
        self._leaderboard = leaderboard
        self._principal = principal
        self._page_size = page_size

    def page(self, number: int, category: str = "", period: str = Period.ALL_TIME.value) -> LeaderboardView:
        who = self._principal()
        result = fetch_page(lambda request: self._leaderboard.page(who, request, category or None, period), number,
                            self._page_size, rows=lambda page: page.rows)
        rows = tuple(RankLine.of(r) for r in result.rows)
        return LeaderboardView(
            rows=rows, info=PageInfo.of(result, "learner"), viewer_line=_viewer_line(result),
            viewer_on_page=any(r.is_viewer for r in rows), hide_names=result.hide_names,
            category=result.category.value if result.category else "", period=result.period.value,
            can_hide_my_name=who.role is Role.LEARNER, hide_my_name=result.hide_my_name,
        )

    def set_hide_my_name(self, hide: bool) -> bool:
        """Remember whether the learner's own name is hidden from other learners; returns the stored value."""
        return self._leaderboard.set_hide_my_name(self._principal(), hide)

    def set_hide_names(self, hide: bool) -> bool:
        """Remember whether other learners' names are hidden for this user; returns the stored value."""
        return self._leaderboard.set_hide_names(self._principal(), hide)
