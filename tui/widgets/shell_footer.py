"""The footer every SkillHub screen and dialog shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

# The shell's keys, most useful first: when the width runs out, the last ones are left out.
SHELL_ORDER = ("help", "back", "logout", "quit")


@dataclass(frozen=True)
class FooterEntry:
    """One action in the footer, or a group of them (`[ ]  Page`): each key, whether it may run now, its tooltip."""

    keys: tuple[tuple[Binding, bool, str], ...]
    shell: bool

    @property
    def first(self) -> Binding:
        return self.keys[0][0]

    @property
    def grouped(self) -> bool:
        return self.first.group is not None and len(self.keys) > 1

    def width(self, key_display: dict[str, str]) -> int:
        """Cells it takes in a compact footer, the space after it included."""
        keys = sum(cell_len(key_display[binding.key]) for binding, _, _ in self.keys)
        if self.grouped:
            assert self.first.group is not None
            return 1 + keys + 1 + cell_len(self.first.group.description) + 1
        return keys + 1 + cell_len(self.first.description) + 1


@dataclass(frozen=True)
class _Plan:
    """What the footer would show at `width`: its entries, where each key goes, and each key's state."""

    width: int
    entries: list[FooterEntry]
    layout: tuple[object, ...]
    states: tuple[tuple[bool, str], ...]

    @property
    def shows(self) -> tuple[tuple[object, ...], tuple[tuple[bool, str], ...]]:
        return self.layout, self.states


class ShellFooter(Footer):
    """A compact footer that shows the keys of its own screen (a dialog's footer, the dialog's keys):
    the screen's keys first, in the order it binds them, then help, back, log out and quit.

    What does not fit the width is left out from the end, help excepted: help (`?`) and the
    command palette (ctrl+p) list every key. The palette key itself is one of those left out.
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
        self._shown_width = 0
        self._shown: tuple[tuple[object, ...], tuple[tuple[bool, str], ...]] | None = None
        self._planned: _Plan | None = None
        self._rebuild_pending = False

    # Textual's Footer rebuilds all its keys (mounting and styling each one) every time the screen
    # says its bindings may have changed: on every focus move, cursor move, page loaded or
    # refresh_bindings call, about ten times when a section opens. This one rebuilds at most once
    # per refresh, and only when what it would show (keys, states, width) differs from what it shows.

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        # As Footer.recompose: nothing to do on a screen being taken down (its widgets are going).
        if not self.is_attached or self._pruning:
            return
        plan = self._plan()
        if plan.shows == self._shown:
            return
        if self._shown is not None and plan.layout == self._shown[0] and self._update_states(plan.states):
            # The same keys in the same places: only some became (un)available. Each key is
            # updated where it stands, instead of mounting and styling the footer again.
            self._shown = plan.shows
            return
        self._planned = plan
        await self.recompose()

    def _plan(self) -> _Plan:
        width = self.size.width or self.app.size.width
        entries = self.fitting(width)
        keys = [(binding, enabled, tooltip) for entry in entries for binding, enabled, tooltip in entry.keys]
        layout = (width, *((b.key, self.app.get_key_display(b), b.description, b.action, b.group) for b, _, _ in keys))
        states = tuple((enabled, tooltip or binding.description) for binding, enabled, tooltip in keys)
        return _Plan(width, entries, layout, states)

    def _update_states(self, states: tuple[tuple[bool, str], ...]) -> bool:
        """Set each shown key's availability and tooltip; False when the keys shown do not match."""
        keys = list(self.query(FooterKey))
        if len(keys) != len(states):
            return False
        for key, (enabled, tooltip) in zip(keys, states, strict=True):
            key._disabled = not enabled
            key.set_class(not enabled, "-disabled")
            key.tooltip = tooltip
        return True

    def entries(self) -> list[FooterEntry]:
        """Every action to show, screen's first, then the shell's in SHELL_ORDER."""
        by_action: defaultdict[str, list[tuple[Binding, bool, str, bool]]] = defaultdict(list)
        active = self.screen.active_bindings.values()
        # The screen's own keys, then its focused widget's (a table's `i`), then the shell's.
        for node, binding, enabled, tooltip in sorted(active, key=lambda a: 0 if a.node is self.screen else 1):
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip, node is self.app))
        own: list[FooterEntry] = []
        shell: list[FooterEntry] = []
        for found in by_action.values():
            binding, enabled, tooltip, from_app = found[0]
            key = (binding, enabled, tooltip)
            entries = shell if from_app else own
            # Consecutive actions of one group (previous / next page) share one label.
            if entries and binding.group is not None and entries[-1].first.group == binding.group:
                entries[-1] = FooterEntry((*entries[-1].keys, key), from_app)
            else:
                entries.append(FooterEntry((key,), from_app))
        shell.sort(key=lambda e: _shell_rank(e.first.action))
        return own + shell

    def fitting(self, width: int) -> list[FooterEntry]:
        """The entries that fit in `width` cells: help first, then in order until one does not fit."""
        entries = self.entries()
        displays = {b.key: self.app.get_key_display(b) for e in entries for b, _, _ in e.keys}
        helps = [e for e in entries if e.shell and e.first.action == "help"]
        room = width - sum(e.width(displays) for e in helps)
        kept: list[FooterEntry] = []
        for entry in entries:
            if entry in helps:
                kept.append(entry)
                continue
            room -= entry.width(displays)
            if room < 0:
                break
            kept.append(entry)
        return kept + [e for e in helps if e not in kept]

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        plan, self._planned = self._planned or self._plan(), None
        self._shown_width = plan.width
        self._shown = plan.shows
        self.styles.grid_size_columns = len(plan.entries)
        for entry in plan.entries:
            first = entry.first
            # Born compact (the footer always is): FooterKey's own compact watcher would otherwise
            # add the class after mounting, and restyle every key once more.
            if entry.grouped and first.group is not None:
                with KeyGroup(classes="-compact" if first.group.compact else ""):
                    for binding, enabled, tooltip in entry.keys:
                        yield FooterKey(binding.key, self.app.get_key_display(binding), "", binding.action,
                                        disabled=not enabled, tooltip=tooltip or binding.description,
                                        classes="-grouped -compact")
                yield FooterLabel(first.group.description)
            else:
                _, enabled, tooltip = entry.keys[0]
                yield FooterKey(first.key, self.app.get_key_display(first), first.description, first.action,
                                disabled=not enabled, tooltip=tooltip or first.description, classes="-compact")

    def on_resize(self, event: events.Resize) -> None:
        # Before anything is shown, the first rebuild (bindings_changed) fits the keys to the width.
        if self._bindings_ready and self._shown is not None and event.size.width != self._shown_width:
            self.call_after_refresh(self.recompose)


def _shell_rank(action: str) -> int:
    return SHELL_ORDER.index(action) if action in SHELL_ORDER else len(SHELL_ORDER)
