"""Selections, bulk actions and undo as the list screens see them: keys in, one-line reports out.

Plain classes (no Textual): a `RowSelection` the screen keeps and renders, and a `BulkController`
that turns a selection into one service call and its `BatchReport` (what a notification says,
the refused rows one by one, the batch `u` would take back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from domain.models.bulk import BULK_MAX, BulkResult
from domain.models.users import Role
from domain.models.workshops import Attendance, RegistrationStatus, WorkshopQuery, WorkshopScope, WorkshopSort
from domain.services.bulk import BulkService
from domain.services.undo import UndoService
from domain.services.workshops import WorkshopService
from tui.controllers.choices import Choice, shorten
from tui.controllers.session import PrincipalSource

# Shown before a selected row's first cell: a mark that needs no colour.
MARK = "✓ "
UNMARKED = ""
# How many refused rows a notification names; the others are counted.
NAMED_REFUSALS = 5
TRAINER_CHOICES = 50
UNDO_HINT = "Press u to undo."
NOTHING_SELECTED = "Nothing is selected: space selects the row under the cursor, ctrl+a the whole list."
NOTHING_TO_UNDO = "Nothing to undo here yet: u takes back the last change made on this screen."
MARK_CHOICES = (
    Choice(Attendance.PRESENT.value, "Present"),
    Choice(Attendance.LATE.value, "Late"),
    Choice(Attendance.EXCUSED.value, "Excused"),
    Choice(Attendance.ABSENT.value, "Absent"),
)


def rows_word(count: int, noun: str) -> str:
    """`1 registration`, `3 registrations`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class RowSelection:
    """The keys of the selected rows, in the order they were selected (a screen keeps one per list)."""

    def __init__(self) -> None:
        self._keys: dict[int, None] = {}
        # When "select all" took the whole filter: how many matched (more than BULK_MAX are cut).
        self.matched: int | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __bool__(self) -> bool:
        return bool(self._keys)

    @property
    def keys(self) -> list[int]:
        return list(self._keys)

    def toggle(self, key: int) -> bool:
        """Select the row, or unselect it if it was; True when it is selected now."""
        self.matched = None
        if key in self._keys:
            del self._keys[key]
            return False
        self._keys[key] = None
        return True

    def take_all(self, keys: Iterable[int], matched: int) -> None:
        self._keys = dict.fromkeys(keys)
        self.matched = matched

    def clear(self) -> None:
        self._keys = {}
        self.matched = None

    def status(self, noun: str) -> str:
        """The status line: how many are selected, and what the keys do with them."""
        if not self._keys:
            return ""
        text = f"{MARK}{rows_word(len(self._keys), noun)} selected"
        if self.matched is not None and self.matched > len(self._keys):
            text += f" (the first {BULK_MAX} of {self.matched}: a batch takes at most {BULK_MAX})"
        elif self.matched is not None:
            text += " (the whole list, every page)"
        return text + " · escape clears"

    def mark(self, key: int, first_cell: str) -> str:
        return (MARK if key in self._keys else UNMARKED) + first_cell


@dataclass(frozen=True)
class SelectAll:
    """What ctrl+a found: every key of the current filter, and how many matched."""

    keys: tuple[int, ...]
    matched: int

    @property
    def message(self) -> str:
        if self.matched > len(self.keys):
            return f"Selected the first {len(self.keys)} of {self.matched} rows (a batch takes at most {BULK_MAX})."
        return f"Selected all {self.matched} rows of this list, on every page."


@dataclass(frozen=True)
class BatchReport:
    """What a bulk action or an undo did, as a notification says it."""

    summary: str
    refused: tuple[str, ...]
    batch_id: str | None
    done: int
    synced: bool = True
    undo: bool = False

    @property
    def message(self) -> str:
        lines = [self.summary]
        lines += list(self.refused[:NAMED_REFUSALS])
        if len(self.refused) > NAMED_REFUSALS:
            lines.append(f"… and {len(self.refused) - NAMED_REFUSALS} more refused.")
        if self.batch_id is not None and not self.undo:
            lines.append(UNDO_HINT)
        return "\n".join(lines)

    @property
    def severity(self) -> Literal["information", "warning", "error"]:
        if not self.synced or (self.refused and self.done):
            return "warning"
        return "error" if self.refused else "information"

    @classmethod
    def of(cls, result: BulkResult, what: str) -> BatchReport:
        """`what` names the change, e.g. "Cancelled" + "registration"."""
        done = len(result.done)
        if result.undoes:
            summary = f"Undone: {done} of {len(result.rows)} rows taken back."
        else:
            summary = f"{what}: {done} of {len(result.rows)} rows."
        refused = tuple(f"{shorten(r.label, 40)}: {r.refusal}" for r in result.refused)
        note = result.sync.message
        if note:
            summary += " " + note
        return cls(summary, refused, result.batch_id, done, result.sync.synced, result.undoes is not None)


class BulkController:
    """Forwards a selection to the bulk service, and `u` to the undo service, with the current principal."""

    def __init__(self, bulk: BulkService, undo: UndoService, principal: PrincipalSource,
                 workshops: WorkshopService | None = None) -> None:
        self._bulk = bulk
        self._undo = undo
        self._principal = principal
        self._workshops = workshops

    def trainer_choices(self, search: str) -> list[Choice]:
        """Active trainers and admins, for handing workshops over."""
        if self._workshops is None:
            return []
        people = self._workshops.trainers(self._principal(), search.strip(), limit=TRAINER_CHOICES)
        return [Choice(str(u.id), u.full_name, u.email) for u in people]

    # -- select all ------------------------------------------------------------------------
    def all_workshops(self, scope: WorkshopScope, search: str, sort: WorkshopSort) -> SelectAll:
        keys, matched = self._bulk.workshop_ids(self._principal(), WorkshopQuery(scope, search.strip(), sort))
        return SelectAll(tuple(keys), matched)

    def all_learners(self, workshop_id: int, status: RegistrationStatus) -> SelectAll:
        keys, matched = self._bulk.learner_ids(self._principal(), workshop_id, status)
        return SelectAll(tuple(keys), matched)

    def all_users(self, search: str, role: Role | None = None) -> SelectAll:
        keys, matched = self._bulk.user_ids(self._principal(), search.strip(), role)
        return SelectAll(tuple(keys), matched)

    # -- bulk actions ----------------------------------------------------------------------
    def cancel_registrations(self, workshop_id: int, learner_ids: Sequence[int], reason: str) -> BatchReport:
        result = self._bulk.cancel_registrations(self._principal(), workshop_id, list(learner_ids), reason or None)
        return BatchReport.of(result, "Cancelled registrations")

    def mark_attendance(self, workshop_id: int, learner_ids: Sequence[int], mark: str) -> BatchReport:
        result = self._bulk.mark_attendance(self._principal(), workshop_id, list(learner_ids), mark)
        return BatchReport.of(result, f"Marked {mark}")

    def promote(self, workshop_id: int, learner_ids: Sequence[int]) -> BatchReport:
        result = self._bulk.promote(self._principal(), workshop_id, list(learner_ids))
        return BatchReport.of(result, "Promoted from the waitlist")

    def cancel_workshops(self, workshop_ids: Sequence[int], reason: str) -> BatchReport:
        result = self._bulk.cancel_workshops(self._principal(), list(workshop_ids), reason)
        return BatchReport.of(result, "Cancelled workshops")

    def change_trainer(self, workshop_ids: Sequence[int], trainer_id: int) -> BatchReport:
        result = self._bulk.change_trainer(self._principal(), list(workshop_ids), trainer_id)
        return BatchReport.of(result, "Handed over")

    def set_active(self, user_ids: Sequence[int], active: bool) -> BatchReport:
        result = self._bulk.set_active(self._principal(), list(user_ids), active)
        return BatchReport.of(result, "Activated" if active else "Deactivated")

    # -- undo --------------------------------------------------------------------------------
    def latest_batch(self) -> str | None:
        """The batch a single action just made (what its notification's `u` takes back)."""
        who = self._principal()
        return self._undo.latest(who) if who.is_staff else None

    def undo(self, batch_id: str, row: int | None = None) -> BatchReport:
        return BatchReport.of(self._undo.undo(self._principal(), batch_id, row), "Undone")
