"""The footer every SkillHub screen shows."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

# What the footer shows of one key: Footer.compose draws exactly these.
KeyShown = tuple[str, str, str, str, bool, str, object]


class ShellFooter(Footer):
    """A compact footer, so a list screen's keys and the global ones fit in 80 columns.

    The command palette key is left out: `?` (help) lists it with every other key.

    Textual's Footer rebuilds all its keys (mounting and styling each one) every time the
    screen says its bindings may have changed: on every focus move, cursor move, page loaded
    or refresh_bindings call, about ten times when a section opens. This one rebuilds at most
    once per refresh, and only when the keys it would show differ from those it shows.
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
        self._shown: tuple[KeyShown, ...] | None = None
        self._rebuild_pending = False

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
        shown = self._keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def _keys_shown(self) -> tuple[KeyShown, ...]:
        return tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, binding.action, enabled,
             tooltip, binding.group)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
