"""The leaderboard: order, deterministic ties, viewer's rank, filters, privacy, query count."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from pymongo import monitoring
from sqlalchemy import event

from domain.clock import fixed_clock
from domain.errors import ValidationError
from domain.models.paging import PageRequest
from domain.models.scores import Period
from tests.harness import services_for
from domain.services.leaderboard import competition_ranks
from tests.conftest import NOW
from tests.progress.conftest import at, attend


@pytest.fixture
def board(services, make_learner, make_challenge, make_badge):
    """Dora 150 (water), Bilal and Anna and Chen 100 each (energy; Bilal first, Anna and Chen
    at the same moment), Gael 500 twenty days ago, Fanny 2 workshops, Eli nothing."""
    people = {name: make_learner(name) for name in ("Anna", "Bilal", "Chen", "Dora", "Eli", "Fanny", "Gael")}
    energy = make_challenge(points=100, category="energy")
    water = make_challenge(points=150, category="water")
    old = make_challenge(points=500, category="food")

    def done(name: str, challenge, hours_ago: float) -> None:
        moment = at(services, NOW - timedelta(hours=hours_ago))
        moment.progress.start(people[name], challenge.id)
        moment.progress.complete(people[name], challenge.id)

    done("Bilal", energy, 3)
    done("Anna", energy, 2)
    done("Chen", energy, 2)
    done("Dora", water, 1)
    done("Gael", old, 24 * 20)
    attend(services, people["Fanny"].user_id, 1)
    attend(services, people["Fanny"].user_id, 2, "late")
    return people


def _names(page) -> list[tuple[int, str, int]]:
    return [(row.rank, row.display_name, row.score.total) for row in page.rows]


def test_ranking_orders_by_score_then_earliest_last_point_then_id(services, board):
    page = services.leaderboard.page(board["Eli"], PageRequest(1, 10))
    assert _names(page) == [
        (1, "Gael", 500), (2, "Dora", 150), (3, "Bilal", 100), (3, "Anna", 100), (3, "Chen", 100),
        (6, "Fanny", 20), (7, "Eli", 0),
    ]
    assert page.rows[5].score.workshops_attended == 2 and page.total == 7


def test_viewer_rank_is_given_on_every_page(services, board):
    page = services.leaderboard.page(board["Eli"], PageRequest(1, 2))
    assert _names(page) == [(1, "Gael", 500), (2, "Dora", 150)]
    assert page.viewer is not None and (page.viewer.rank, page.viewer.is_viewer) == (7, True)
    second = services.leaderboard.page(board["Eli"], PageRequest(2, 2))
    assert [row.display_name for row in second.rows] == ["Bilal", "Anna"] and second.pages == 4


def test_equal_scores_share_a_competition_rank_on_every_page_and_in_the_viewers_own_line(services, board):
    assert competition_ranks([500, 150, 100, 100, 100, 20, 0]) == [1, 2, 3, 3, 3, 6, 7]
    assert competition_ranks([10, 10, 9, 9]) == [1, 1, 3, 3] and competition_ranks([]) == []
    second = services.leaderboard.page(board["Eli"], PageRequest(2, 2))
    assert _names(second) == [(3, "Bilal", 100), (3, "Anna", 100)]
    third = services.leaderboard.page(board["Chen"], PageRequest(3, 2))
    assert _names(third) == [(3, "Chen", 100), (6, "Fanny", 20)]
    assert third.viewer is not None and (third.viewer.rank, third.viewer.display_name) == (3, "Chen")
    anna = services.leaderboard.page(board["Anna"], PageRequest(1, 2)).viewer
    assert anna is not None and anna.rank == 3


def test_staff_see_the_board_without_a_rank_of_their_own(services, trainer, board):
    page = services.leaderboard.page(trainer, PageRequest(1, 3))
    assert page.viewer is None and len(page.rows) == 3


def test_category_and_period_filters(services, trainer, board, make_badge):
    make_badge("energy-fan", "challenges_completed", 1, category="energy", bonus=7)
    make_badge("veteran", "points", 10_000, bonus=60)
    at(services, NOW - timedelta(days=20)).badges.award(trainer, "veteran", board["Gael"].user_id, "Founding member")
    assert services.leaderboard.page(board["Eli"], PageRequest(1, 1)).rows[0].score.total == 560
    energy = services.leaderboard.page(board["Eli"], PageRequest(1, 3), category="energy")
    # The three badges were awarded at the same moment, which is now everyone's last point: ids decide.
    assert _names(energy) == [(1, "Anna", 107), (1, "Bilal", 107), (1, "Chen", 107)]
    week = services.leaderboard.page(board["Eli"], PageRequest(1, 10), period=Period.THIS_WEEK)
    totals = {row.display_name: row.score.total for row in week.rows}
    # Gael's points are twenty days old; Fanny's workshops (ids without a date) never took place.
    assert totals["Gael"] == 0 and totals["Fanny"] == 0 and totals["Dora"] == 150
    month = services.leaderboard.page(board["Eli"], PageRequest(1, 1), period="30d")
    assert _names(month) == [(1, "Gael", 560)]
    with pytest.raises(ValidationError):
        services.leaderboard.page(board["Eli"], PageRequest(1, 1), period="forever")


def test_a_period_counts_the_workshops_that_took_place_in_it_and_a_category_none(
        services, make_learner, make_challenge, held_workshop):
    hana, ivo = make_learner("Hana"), make_learner("Ivo")
    for days_ago in (3, 25, 45):
        attend(services, hana.user_id, held_workshop(NOW - timedelta(days=days_ago)))
    challenge = make_challenge(points=15, category="water")
    services.progress.start(ivo, challenge.id)
    services.progress.complete(ivo, challenge.id)

    def board(**filters):
        page = services.leaderboard.page(ivo, PageRequest(1, 10), **filters)
        return [(row.display_name, row.score.total, row.score.workshops_attended) for row in page.rows]

    assert board() == [("Hana", 30, 3), ("Ivo", 15, 0)]
    assert board(period="30d") == [("Hana", 20, 2), ("Ivo", 15, 0)]
    assert board(period=Period.THIS_WEEK) == [("Ivo", 15, 0), ("Hana", 10, 1)]
    assert board(category="water") == [("Ivo", 15, 0), ("Hana", 0, 0)]


def test_hidden_names_are_remembered_per_user_and_never_hide_the_viewer(services, board):
    eli, anna = board["Eli"], board["Anna"]
    assert services.leaderboard.hide_names(eli) is False
    services.leaderboard.set_hide_names(eli, True)
    page = services.leaderboard.page(eli, PageRequest(1, 10))
    assert page.hide_names
    assert {row.display_name for row in page.rows if not row.is_viewer} == {"Anonymous learner"}
    assert page.viewer.display_name == "Eli"
    # Another user's preference is their own.
    assert "Gael" in [row.display_name for row in services.leaderboard.page(anna, PageRequest(1, 10)).rows]
    assert services.leaderboard.hide_names(eli) is True
    with pytest.raises(ValidationError):
        services.leaderboard.set_hide_names(eli, "yes")


class _MongoCommands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_a_page_reads_only_the_maintained_tables_in_a_fixed_number_of_statements(settings, services, board):
    """Issue 11: no MongoDB command and no read of the sources per page, whatever the number of learners."""
    listener = _MongoCommands()
    monitoring.register(listener)
    counted = services_for(settings, clock=fixed_clock(NOW), endpoints=services.endpoints)
    statements: list[str] = []
    event.listen(counted.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    try:
        counted.leaderboard.page(board["Eli"], PageRequest(1, 3))
        listener.counts.clear()
        statements.clear()
        counted.leaderboard.page(board["Eli"], PageRequest(1, 3))
        all_time = list(statements)
        statements.clear()
        counted.leaderboard.page(board["Eli"], PageRequest(1, 3), category="energy", period=Period.LAST_30_DAYS)
        window = list(statements)
    finally:
        counted.close()
    assert sum(listener.counts.values()) == 0
    for sql in all_time + window:
        assert "user_challenges" not in sql and "badge_awards" not in sql
    # The awards due to stop counting (usually none), the page with the count and the
    # viewer's line, the privacy preference.
    assert len(all_time) == 3
    # The whole board in one statement, then the privacy preference.
    assert len(window) == 2 and "score_points" in window[0]
