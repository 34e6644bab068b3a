"""Command palette (ctrl+p): every action of the current screen with its key, then navigation, help, theme, quit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from tui.refusals import reason_for
from tui.text import notify_literal


@dataclass(frozen=True)
class PaletteCommand:
    """One command: what the palette shows and what it runs."""

    title: str
    help: str
    run: Callable[[], object]


@runtime_checkable
class HasPaletteCommands(Protocol):
    """The app side: the commands that make sense for whoever is logged in."""

    def palette_commands(self) -> list[PaletteCommand]: ...


class _Commands(Provider):
    """Lists `_commands()` when nothing is typed, and those whose title matches what is."""

    # Each provider defines it: the commands it offers.
    _commands: Callable[[], list[PaletteCommand]]

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)


class ScreenCommands(_Commands):
    """The actions of the screen the palette was opened on (and of its focused table), each with its key."""

    def _commands(self) -> list[PaletteCommand]:
        return screen_commands(self.screen)


class NavigationCommands(_Commands):
    """The app's commands: sections the user may open, log out, help, theme, quit."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        return app.palette_commands() if isinstance(app, HasPaletteCommands) else []


def screen_commands(screen: Screen[object]) -> list[PaletteCommand]:
    """One command per action SkillHub binds on `screen` or its focused widget (not Textual's own
    cursor keys): hidden ones are left out; a greyed one, chosen, says why it does nothing now."""
    commands: dict[str, PaletteCommand] = {}
    app = screen.app
    keys: dict[str, list[str]] = {}
    for node, binding in _own_bindings(screen):
        _, name, parameters = parse_action(binding.action)
        state = node.check_action(name, parameters)
        if state is False or not binding.description:
            continue
        keys.setdefault(binding.action, []).append(app.get_key_display(binding))
        if binding.action in commands:
            continue
        if state:
            run: Callable[[], object] = partial(app.run_action, binding.action, node)
            note = ""
        else:
            why = reason_for(node, name, parameters) or f"{binding.description} is not available now."
            run = partial(notify_literal, node, why, title=binding.description, severity="warning")
            note = f" · not now: {why}"
        commands[binding.action] = PaletteCommand(binding.description, note, run)
    return [PaletteCommand(c.title, f"{' '.join(keys[action])}{c.help}", c.run) for action, c in commands.items()]


def _own_bindings(screen: Screen[object]) -> Iterator[tuple[DOMNode, Binding]]:
    """The screen's bindings, then its focused widget's (a table's), from SkillHub's classes only."""
    nodes: list[DOMNode] = [screen]
    if screen.focused is not None:
        nodes.append(screen.focused)
    for node in nodes:
        for cls in type(node).__mro__:
            if cls.__module__.startswith("textual."):
                break
            for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
                yield node, binding
