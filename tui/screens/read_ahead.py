"""A screen's first data, read by whoever opens it, before it is shown.

A screen that loads its data once mounted is laid out and painted twice: empty ("Loading…"),
then filled; and its load competes with that first layout for the interpreter. When the
worker that opens the screen (a section's opening worker, which checks the session anyway;
the Workshops list opening a workshop's registrations) reads that data first, the screen is
mounted with it and painted once.

A screen opts in with `ReadAhead` and `read_first()`: controller calls only (it runs in that
worker), returning what shows the result. Its `on_mount` calls `show_read_ahead()` and loads
the usual way when that returns False. A read that fails is dropped: the screen's own load
meets the error again and reports it the usual way (a refusal in place, the database-down
dialog, a new login after an expired session), so nothing is reported twice or lost.
"""

from __future__ import annotations

from collections.abc import Callable


class ReadAhead:
    """Mixin for screens whose first data can be read before they are shown (see the module docstring)."""

    _read_ahead: Callable[[], None] | None = None
    # Each screen defines it: in a worker, read what the screen shows first; return what shows it.
    read_first: Callable[[], Callable[[], None]]

    def read_ahead(self) -> None:
        """In the opening worker, before the screen is pushed."""
        try:
            self._read_ahead = self.read_first()
        except Exception:  # noqa: BLE001 - the screen's own load meets it again and reports it
            self._read_ahead = None

    def show_read_ahead(self) -> bool:
        """On mount: show what was read ahead; False when nothing was (the screen loads it then)."""
        show, self._read_ahead = self._read_ahead, None
        if show is None:
            return False
        show()
        return True
