"""Command palette (ctrl+p): go to any section the current user may open, log out, help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider


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


class NavigationCommands(Provider):
    """Offers the app's navigation commands, filtered by what is typed."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        return app.palette_commands() if isinstance(app, HasPaletteCommands) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
