"""The leaderboard's maintained figures: `score_points` and `learner_scores` (issue 11).

`score_points` copies, per learner, everything that earns points (completed challenges,
badge awards, attended registrations); `learner_scores` sums it per learner, all time.
Rows are rewritten from the sources for one learner and one source at a time, never
incremented, so replaying a change or rebuilding everything gives the same rows. The
boards read them here: an all-time page is one scan of `ix_learner_scores_board`, a period
or category board one grouped read of `score_points` through its `at` or category index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update

from domain.models.users import Role
from domain.repositories.sql.schema import learner_scores, score_points, users

CHALLENGE, BADGE, WORKSHOP = "challenge", "badge", "workshop"
SOURCES = (CHALLENGE, BADGE, WORKSHOP)
INSERT_BATCH = 5000


@dataclass(frozen=True, slots=True)
class PointRow:
    """One row of `score_points` (see the table's comment in schema.py)."""

    user_id: int
    source: str
    ref: str
    at: datetime | None
    category: str | None
    points: int
    until: datetime | None = None
    in_period: bool = True
    workshop_id: int | None = None


@dataclass(frozen=True, slots=True)
class BoardLine:
    """One learner's place on a board: ranks, score parts and last point time."""

    user_id: int
    full_name: str
    rank: int
    place: int
    challenge_points: int
    completed: int
    badge_points: int
    workshops_attended: int
    total: int
    last_point_at: datetime | None


@dataclass(frozen=True, slots=True)
class Board:
    """A page of a board, how many learners it ranks, and the viewer's line when ranked."""

    lines: list[BoardLine]
    total: int
    viewer: BoardLine | None


def ranked_expression() -> Any:
    """"Counted on the board": an active learner (copied into `learner_scores.ranked`)."""
    return (users.c.role == Role.LEARNER.value) & users.c.is_active.is_(True)


# Sums one learner's `score_points` into the parts of `learner_scores` as of :now (a time
# cut to the millisecond, as MongoDB compares award ends). {where} picks the users; a row
# whose figures come out the same is left as it is (a rebuild of figures that were right
# changes nothing, `computed_at` included).
_RECOMPUTE = """
INSERT INTO learner_scores AS ls (user_id, ranked, challenge_points, completed, badge_points, workshops_attended,
                                  total, last_point_at, valid_from, valid_until, computed_at)
SELECT user_id, ranked, cp, completed, bp, w, cp + bp + :workshop_points * w, last, valid_from, valid_until, :now
FROM (
    SELECT u.id AS user_id, (u.role = 'learner' AND u.is_active) AS ranked,
           coalesce(sum(p.points) FILTER (WHERE p.source = 'challenge'), 0) AS cp,
           count(p.user_id) FILTER (WHERE p.source = 'challenge') AS completed,
           coalesce(sum(p.points) FILTER (WHERE p.source = 'badge' AND (p.until IS NULL OR p.until > :now)), 0) AS bp,
           count(p.user_id) FILTER (WHERE p.source = 'workshop') AS w,
           max(p.at) FILTER (WHERE p.source = 'challenge'
                             OR (p.source = 'badge' AND (p.until IS NULL OR p.until > :now))) AS last,
           max(p.until) FILTER (WHERE p.source = 'badge' AND p.until <= :now) AS valid_from,
           min(p.until) FILTER (WHERE p.source = 'badge' AND p.until > :now) AS valid_until
    FROM users u LEFT JOIN score_points p ON p.user_id = u.id
    WHERE {where}
    GROUP BY u.id
) AS parts
ON CONFLICT (user_id) DO UPDATE SET
    ranked = excluded.ranked, challenge_points = excluded.challenge_points, completed = excluded.completed,
    badge_points = excluded.badge_points, workshops_attended = excluded.workshops_attended, total = excluded.total,
    last_point_at = excluded.last_point_at, valid_from = excluded.valid_from, valid_until = excluded.valid_until,
    computed_at = excluded.computed_at
WHERE {guard}(ls.ranked, ls.challenge_points, ls.completed, ls.badge_points, ls.workshops_attended, ls.total,
       ls.last_point_at, ls.valid_from, ls.valid_until)
    IS DISTINCT FROM (excluded.ranked, excluded.challenge_points, excluded.completed, excluded.badge_points,
                      excluded.workshops_attended, excluded.total, excluded.last_point_at, excluded.valid_from,
                      excluded.valid_until)
"""

# Rows whose badge part is not right at :now: an award they count has ended since, or
# (a clock set back, as in tests and demos) one they no longer count had not ended yet.
_DUE = "(ls.valid_until <= :now OR ls.valid_from > :now)"
_DUE_USERS = ("SELECT user_id FROM learner_scores WHERE valid_until <= :now"
              " UNION SELECT user_id FROM learner_scores WHERE valid_from > :now")

# The all-time board in one statement: the page straight off `ix_learner_scores_board`,
# the viewer's competition rank (1 + better totals) and place (1 + learners listed before
# them) and the first row's rank counted on that index, and how many learners it ranks.
_ALL_TIME = """
WITH page AS (
    SELECT user_id, challenge_points, completed, badge_points, workshops_attended, total, last_point_at
    FROM learner_scores WHERE ranked
    ORDER BY total DESC, last_point_at ASC NULLS LAST, user_id
    LIMIT :limit OFFSET :offset
), me AS (
    SELECT user_id, challenge_points, completed, badge_points, workshops_attended, total, last_point_at
    FROM learner_scores WHERE user_id = :viewer AND ranked
)
SELECT 0 AS kind, page.*, u.full_name, NULL::bigint AS rank, NULL::bigint AS place
FROM page JOIN users u ON u.id = page.user_id
UNION ALL
SELECT 1, me.*, u.full_name,
       (SELECT count(*) FROM learner_scores o WHERE o.ranked AND o.total > me.total) + 1,
       (SELECT count(*) FROM learner_scores o WHERE o.ranked AND o.total > me.total)
       + (SELECT count(*) FROM learner_scores o WHERE o.ranked AND o.total = me.total AND (
            (me.last_point_at IS NULL AND o.last_point_at IS NOT NULL)
            OR o.last_point_at < me.last_point_at
            OR (o.last_point_at IS NOT DISTINCT FROM me.last_point_at AND o.user_id < me.user_id))) + 1
FROM me JOIN users u ON u.id = me.user_id
UNION ALL
SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT count(*) FROM learner_scores o WHERE o.ranked AND o.total > (SELECT max(total) FROM page)) + 1,
       (SELECT count(*) FROM learner_scores o WHERE o.ranked)
ORDER BY kind, total DESC, last_point_at ASC NULLS LAST, user_id
"""

# A period or category board: the points of `score_points` that count in it, summed per
# learner, over every ranked learner (zeros included). Only the page is sorted (a top-N
# sort); the viewer's rank and place, the first row's rank and the count are counted on
# the materialised board, so no statement sorts every learner.
_WINDOW_BOARD = """
WITH parts AS (
    SELECT user_id,
           coalesce(sum(points) FILTER (WHERE source = 'challenge'), 0) AS cp,
           count(*) FILTER (WHERE source = 'challenge') AS completed,
           coalesce(sum(points) FILTER (WHERE source = 'badge'), 0) AS bp,
           count(*) FILTER (WHERE source = 'workshop') AS w,
           max(at) FILTER (WHERE source <> 'workshop') AS last
    FROM score_points
    WHERE {where}
    GROUP BY user_id
), board AS MATERIALIZED (
    SELECT ls.user_id, coalesce(p.cp, 0) AS challenge_points, coalesce(p.completed, 0) AS completed,
           coalesce(p.bp, 0) AS badge_points, coalesce(p.w, 0) AS workshops_attended,
           coalesce(p.cp, 0) + coalesce(p.bp, 0) + :workshop_points * coalesce(p.w, 0) AS total,
           p.last AS last_point_at
    FROM learner_scores ls LEFT JOIN parts p ON p.user_id = ls.user_id
    WHERE ls.ranked
), page AS (
    SELECT * FROM board ORDER BY total DESC, last_point_at ASC NULLS LAST, user_id LIMIT :limit OFFSET :offset
), me AS (
    SELECT * FROM board WHERE user_id = :viewer
)
SELECT 0 AS kind, page.*, u.full_name, NULL::bigint AS rank, NULL::bigint AS place
FROM page JOIN users u ON u.id = page.user_id
UNION ALL
SELECT 1, me.*, u.full_name,
       (SELECT count(*) FROM board b WHERE b.total > me.total) + 1,
       (SELECT count(*) FROM board b WHERE b.total > me.total OR (b.total = me.total AND (
            (me.last_point_at IS NULL AND b.last_point_at IS NOT NULL)
            OR b.last_point_at < me.last_point_at
            OR (b.last_point_at IS NOT DISTINCT FROM me.last_point_at AND b.user_id < me.user_id)))) + 1
FROM me JOIN users u ON u.id = me.user_id
UNION ALL
SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT count(*) FROM board b WHERE b.total > (SELECT max(total) FROM page)) + 1,
       (SELECT count(*) FROM board)
ORDER BY kind, total DESC, last_point_at ASC NULLS LAST, user_id
"""

_BADGE_COUNTS = "(until IS NULL OR until > :now)"


def _line(row: Any, rank: int, place: int) -> BoardLine:
    return BoardLine(row.user_id, row.full_name, rank, place, row.challenge_points, row.completed, row.badge_points,
                     row.workshops_attended, row.total, row.last_point_at)


def _board(rows: Sequence[Any], offset: int) -> Board:
    """Assemble a board from its statement's rows: the page (kind 0), the viewer (1), and
    the first row's rank with the number of learners ranked (2)."""
    me = next((r for r in rows if r.kind == 1), None)
    stats = rows[-1]
    return Board(_ranked_page([r for r in rows if r.kind == 0], offset, stats.rank), int(stats.place),
                 _line(me, me.rank, me.place) if me is not None else None)


def _ranked_page(rows: Sequence[Any], offset: int, first_rank: int) -> list[BoardLine]:
    """A page's lines in board order: the first row's competition rank is counted, the next
    ones follow from it (a new total takes its place as rank, an equal one shares it)."""
    lines: list[BoardLine] = []
    for index, row in enumerate(rows):
        place = offset + index + 1
        rank = first_rank if index == 0 else (lines[-1].rank if row.total == rows[index - 1].total else place)
        lines.append(_line(row, rank, place))
    return lines


def _ids(ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in ids})


class ScoreTables:
    """Read and write the maintained figures inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- keeping rows --------------------------------------------------------------------------
    def add_user(self, user_id: int, ranked: bool, now: datetime) -> None:
        """The zero row of a new user (in the transaction that creates them)."""
        self.conn.execute(insert(learner_scores).values(user_id=user_id, ranked=ranked, computed_at=now))

    def sync_ranked(self, user_id: int) -> None:
        """Copy "active learner" from `users` after a role or activation change."""
        self.conn.execute(
            update(learner_scores).where(learner_scores.c.user_id == user_id)
            .values(ranked=select(ranked_expression()).where(users.c.id == user_id).scalar_subquery())
        )

    def lock(self, user_ids: Sequence[int], now: datetime) -> None:
        """Create missing rows and lock the learners' rows, in id order: one maintainer per
        learner at a time, so each reads the sources after the previous one committed."""
        ids = _ids(user_ids)
        if not ids:
            return
        self.conn.execute(
            text("INSERT INTO learner_scores (user_id, ranked, computed_at)"
                 " SELECT u.id, u.role = 'learner' AND u.is_active, :now FROM users u WHERE u.id = ANY(:ids)"
                 " ON CONFLICT (user_id) DO NOTHING"),
            {"ids": ids, "now": now},
        )
        self.conn.execute(
            select(learner_scores.c.user_id).where(learner_scores.c.user_id.in_(ids))
            .order_by(learner_scores.c.user_id).with_for_update()
        ).all()

    def lock_all(self) -> None:
        """Hold off every maintainer (they lock rows) while a rebuild rewrites the tables; boards still read."""
        self.conn.execute(text("LOCK TABLE learner_scores, score_points IN EXCLUSIVE MODE"))

    def analyze(self) -> None:
        self.conn.execute(text("ANALYZE learner_scores, score_points"))

    def workshop_attendees(self, workshops: list[int], refs: list[str]) -> set[int]:
        """Learners holding attendance points for these workshops or registration documents."""
        return set(self.conn.execute(
            text("SELECT DISTINCT user_id FROM score_points WHERE source = 'workshop' AND ("
                 " workshop_id = ANY(CAST(:workshops AS bigint[])) OR ref = ANY(CAST(:refs AS text[])))"),
            {"workshops": workshops, "refs": refs},
        ).scalars())

    def replace_challenges(self, user_ids: Sequence[int] | None) -> None:
        """Copy the learners' completed challenges (all learners' when None) from `user_challenges`."""
        ids = None if user_ids is None else _ids(user_ids)
        if ids is not None:
            self.conn.execute(delete(score_points).where(score_points.c.user_id.in_(ids),
                                                         score_points.c.source == CHALLENGE))
        else:
            self.conn.execute(delete(score_points).where(score_points.c.source == CHALLENGE))
        self.conn.execute(
            text("INSERT INTO score_points (user_id, source, ref, at, category, points, until, in_period)"
                 " SELECT uc.user_id, 'challenge', uc.challenge_id::text, uc.completed_at, c.category,"
                 " uc.points_awarded, NULL, true"
                 " FROM user_challenges uc JOIN challenges c ON c.id = uc.challenge_id"
                 " WHERE uc.status = 'completed'" + (" AND uc.user_id = ANY(:ids)" if ids is not None else "")),
            {"ids": ids} if ids is not None else {},
        )

    def replace(self, user_ids: Sequence[int] | None, source: str, rows: list[PointRow]) -> None:
        """Replace the learners' rows of one MongoDB source (all learners' when None)."""
        if user_ids is not None:
            self.conn.execute(delete(score_points).where(score_points.c.user_id.in_(_ids(user_ids)),
                                                         score_points.c.source == source))
        else:
            self.conn.execute(delete(score_points).where(score_points.c.source == source))
        # Rows of users PostgreSQL does not know (MongoDB keeps documents of deleted users)
        # count for nobody: leave them out rather than break the foreign key.
        known = set(self.conn.execute(
            select(users.c.id).where(users.c.id.in_(sorted({r.user_id for r in rows})))).scalars()) if rows else set()
        values = [{"user_id": r.user_id, "source": r.source, "ref": r.ref, "at": r.at, "category": r.category,
                   "points": r.points, "until": r.until, "in_period": r.in_period, "workshop_id": r.workshop_id}
                  for r in rows if r.user_id in known]
        for start in range(0, len(values), INSERT_BATCH):
            self.conn.execute(insert(score_points), values[start:start + INSERT_BATCH])
        if source == WORKSHOP and values:
            self.conn.execute(
                text("UPDATE score_points p SET at = w.starts_at, in_period = (w.status = 'scheduled')"
                     " FROM workshops w WHERE w.id = p.workshop_id AND p.source = 'workshop'"
                     + (" AND p.user_id = ANY(:ids)" if user_ids is not None else "")),
                {"ids": _ids(user_ids)} if user_ids is not None else {},
            )

    def workshop_changed(self, workshop_id: int) -> None:
        """Copy a workshop's start and status (or its deletion) onto the attendance it earned."""
        self.conn.execute(
            text("UPDATE score_points p SET at = w.starts_at, in_period = coalesce(w.status = 'scheduled', false)"
                 " FROM (SELECT :wid AS id) AS k LEFT JOIN workshops w ON w.id = k.id"
                 " WHERE p.workshop_id = k.id AND p.source = 'workshop'"),
            {"wid": workshop_id},
        )

    def challenge_changed(self, challenge_id: int, category: str) -> None:
        """Copy a challenge's category onto the completions of it."""
        self.conn.execute(
            update(score_points).where(score_points.c.source == CHALLENGE, score_points.c.ref == str(challenge_id))
            .values(category=category)
        )

    def recompute(self, user_ids: Sequence[int] | None, now: datetime, workshop_points: int) -> None:
        """Sum `score_points` into `learner_scores` for these users (every user when None)."""
        ids = None if user_ids is None else _ids(user_ids)
        if ids == []:
            return
        sql = _RECOMPUTE.format(where="u.id = ANY(:ids)" if ids is not None else "true", guard="")
        self.conn.execute(text(sql), {"ids": ids, "now": to_ms(now), "workshop_points": workshop_points})

    def refresh_due(self, now: datetime, workshop_points: int) -> None:
        """Recompute the rows whose badge part changed by the passing of time: one read of two
        small indexes, usually finding none. The guard skips a row a maintainer rewrote
        meanwhile (it is right again)."""
        cut = to_ms(now)
        due = list(self.conn.execute(text(_DUE_USERS), {"now": cut}).scalars())
        if due:
            sql = _RECOMPUTE.format(where="u.id = ANY(:ids)", guard=_DUE + " AND ")
            self.conn.execute(text(sql), {"ids": sorted(due), "now": cut, "workshop_points": workshop_points})

    # -- boards ------------------------------------------------------------------------------
    def all_time(self, limit: int, offset: int, viewer: int) -> Board:
        """A page of the all-time board off its index, the count, and the viewer's line: one statement."""
        return _board(self.conn.execute(text(_ALL_TIME), {"limit": limit, "offset": offset, "viewer": viewer}).all(),
                      offset)

    def window(self, limit: int, offset: int, viewer: int, now: datetime, since: datetime | None,
               category: str | None, workshop_points: int) -> Board:
        """A period and/or category board summed from `score_points` in one statement."""
        where, params = window_filter(now, since, category)
        params.update(limit=limit, offset=offset, viewer=viewer, workshop_points=workshop_points)
        return _board(self.conn.execute(text(_WINDOW_BOARD.format(where=where)), params).all(), offset)

    # -- for the doctor ------------------------------------------------------------------------
    def snapshot(self) -> tuple[dict[int, tuple[Any, ...]], dict[int, set[tuple[Any, ...]]]]:
        """Every user's `learner_scores` parts and `score_points` rows, to compare with a rebuild."""
        scores = {r[0]: tuple(r[1:]) for r in self.conn.execute(
            select(learner_scores.c.user_id, learner_scores.c.ranked, learner_scores.c.challenge_points,
                   learner_scores.c.completed, learner_scores.c.badge_points, learner_scores.c.workshops_attended,
                   learner_scores.c.total, learner_scores.c.last_point_at))}
        points: dict[int, set[tuple[Any, ...]]] = {}
        for r in self.conn.execute(select(score_points)):
            points.setdefault(r.user_id, set()).add(tuple(r[1:]))
        return scores, points


def window_filter(now: datetime, since: datetime | None, category: str | None) -> tuple[str, dict[str, Any]]:
    """The `score_points` rows a period and/or category board counts: (WHERE clause, its parameters)."""
    params: dict[str, Any] = {"now": to_ms(now)}
    badge = f"source = 'badge' AND {_BADGE_COUNTS}"
    if since is not None:
        # Awards are compared to the millisecond, as MongoDB holds them.
        params.update(since=since, badge_since=to_ms(since), now_exact=now)
        challenge = "(source = 'challenge' AND at >= :since)"
        badge = f"({badge} AND at >= :badge_since)"
        workshop = "(source = 'workshop' AND in_period AND at >= :since AND at < :now_exact)"
        lead = "at >= :badge_since AND "
    else:
        challenge, badge, workshop, lead = "source = 'challenge'", f"({badge})", "", ""
    if category is not None:
        params["category"] = category
        return f"category = :category AND {lead}({challenge} OR {badge})", params
    return f"{lead}({challenge} OR {badge} OR {workshop})", params


def to_ms(moment: datetime) -> datetime:
    """`moment` cut to the millisecond, the way MongoDB stores and compares award times."""
    # The same arithmetic as the awards' `awarded_ms` / `counts_until_ms` (repositories/mongo/badges.py).
    return datetime.fromtimestamp(int(moment.timestamp() * 1000) / 1000, UTC)

