"""Every refused key says why.

Textual greys a key whose `check_action` answers None and then does not run its action:
pressed, the key does nothing. A SkillHub screen answers None only for an action that has
a reason not to run now, and gives that reason from `why_not(action, parameters)`. The
reason comes from the screen's controller (its view-models and the domain rules behind
them); the screen only picks the one that applies. The shell says it in a toast when a
greyed key is pressed (`refused_key`), and help shows it in place of a bare "not now".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual.actions import parse as parse_action
from textual.dom import DOMNode
from textual.screen import Screen

# What a screen says before its first load has answered.
STILL_LOADING = "Still loading: try again in a moment."


@runtime_checkable
class ExplainsRefusals(Protocol):
    """A screen (or widget) whose greyed keys can say why."""

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why `action` cannot run now, in one line; None when it can."""
        ...


def allowed_unless(reason: str | None) -> bool | None:
    """`check_action`'s answer for an action refused for `reason`: greyed (None), or allowed (True)."""
    return None if reason else True


class GreysRefusedActions:
    """Mixin for screens: an action that `why_not` gives a reason for is greyed (and says it when pressed)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return allowed_unless(self.why_not(action, parameters))

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why the key bound to `action` does nothing now, in one line; None when it works."""
        return None


def reason_for(node: DOMNode, action: str, parameters: tuple[object, ...]) -> str | None:
    """What `node` says about `action` being greyed, if it says anything."""
    return node.why_not(action, parameters) if isinstance(node, ExplainsRefusals) else None


@dataclass(frozen=True)
class Refusal:
    """A greyed key that was pressed: what it is for, and why it does nothing now."""

    what: str
    why: str


def refused_key(screen: Screen[object], key: str) -> Refusal | None:
    """Why `key` does nothing on `screen` now, or None when the key works (or means nothing there).

    The binding Textual would consider for `key` is the one `active_bindings` reports (the
    focused widget's first, a priority one over it); only a greyed one is a refusal.
    """
    active = screen.active_bindings.get(key)
    if active is None or active.enabled:
        return None
    _, action, parameters = parse_action(active.binding.action)
    what = active.binding.description or action.replace("_", " ").capitalize()
    return Refusal(what, reason_for(active.node, action, parameters) or f"{what} is not available now.")
