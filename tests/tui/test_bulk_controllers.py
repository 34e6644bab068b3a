"""What the bulk and activity controllers hand the screens: selections, reports, batch lines (no UI)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.models.bulk import BULK_MAX, BulkResult, RowResult
from domain.models.sync import SyncStatus
from domain.repositories.mongo.activity import ActivityEntry
from tui.controllers.activity import IS_AN_UNDO, NOT_UNDOABLE, _lines
from tui.controllers.bulk import BatchReport, RowSelection, SelectAll

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def entry(action: str, batch: dict[str, object] | None, **details: object) -> ActivityEntry:
    return ActivityEntry(1, "ada@example.org", action, "workshop", "7", AT, dict(details), batch)


def test_a_selection_keeps_the_order_of_selection_and_says_how_many_in_its_status_line() -> None:
    chosen = RowSelection()
    assert chosen.status("workshop") == ""
    assert chosen.toggle(5) and chosen.toggle(2) and not chosen.toggle(5)
    chosen.toggle(9)
    assert chosen.keys == [2, 9]
    assert chosen.status("workshop") == "✓ 2 workshops selected · escape clears"
    chosen.take_all(range(1, BULK_MAX + 1), BULK_MAX + 250)
    assert chosen.status("user").startswith(f"✓ {BULK_MAX} users selected (the first {BULK_MAX} of {BULK_MAX + 250}")
    assert SelectAll((1, 2), 2).message == "Selected all 2 rows of this list, on every page."


def test_a_report_names_refused_rows_one_by_one_and_offers_undo_only_for_a_change() -> None:
    rows = [RowResult(1, "Lea"), *(RowResult(i, f"[b]L{i}[/b]", "Not on the waitlist.") for i in range(2, 9))]
    report = BatchReport.of(BulkResult("registration.promote", "a" * 32, rows, SyncStatus(True)), "Promoted")
    lines = report.message.splitlines()
    assert lines[0] == "Promoted: 1 of 8 rows."
    assert lines[1] == "[b]L2[/b]: Not on the waitlist."          # names are literal text
    assert lines[6:] == ["… and 2 more refused.", "Press u to undo."]
    assert report.severity == "warning"
    undone = BatchReport.of(BulkResult("registration.promote.undo", "b" * 32, rows[:1], undoes="a" * 32), "Undone")
    assert undone.message == "Undone: 1 of 1 rows taken back." and undone.severity == "information"
    nothing = BatchReport.of(BulkResult("user.deactivate", None, [RowResult(3, "Zoe", "Already deactivated.")]), "x")
    assert nothing.severity == "error" and "Press u" not in nothing.message


def test_the_log_shows_a_batch_as_one_line_and_its_rows_once_opened() -> None:
    head = entry("registration.cancel", {"id": "c" * 32, "row": 0, "rows": 3}, learner_id=4)
    rows = [entry("registration.cancel", {"id": "c" * 32, "row": n, "rows": 3}, learner_id=4 + n) for n in range(3)]

    [closed] = _lines(head, False, [])
    opened = _lines(head, True, rows)

    assert closed.cells[2] == "▸ registration.cancel ×3" and closed.is_batch and closed.undo_refusal is None
    assert [line.cells[2] for line in opened] == ["▾ registration.cancel ×3"] + ["  └ registration.cancel"] * 3
    assert [line.row for line in opened] == [None, 0, 1, 2]
    assert _lines(head, True, rows[:1])[-1].cells[2] == "  └ … 2 more"


def test_the_log_says_why_an_entry_cannot_be_undone() -> None:
    [old] = _lines(entry("workshop.create", None, title="SQL"), False, [])
    [undo] = _lines(entry("registration.cancel.undo", {"id": "d" * 32, "row": 0, "rows": 1, "undoes": "c" * 32}),
                    False, [])
    [single] = _lines(entry("user.deactivate", {"id": "e" * 32, "row": 0, "rows": 1}), False, [])
    assert old.undo_refusal == NOT_UNDOABLE
    assert undo.undo_refusal == IS_AN_UNDO
    assert single.undo_refusal is None and single.batch_id == "e" * 32 and single.row is None
