"""The floor of SkillHub's screen switches: a bare Textual app with the same widgets and texts.

It imports nothing of SkillHub. It reads a replica file that `scripts/bench_screens.py`
writes by walking SkillHub's screens: for each step of a navigation (the key pressed, what
it does to the screen stack) the widget tree of the screen it shows — widget types (a
SkillHub widget becomes a plain class of the same name over its Textual base, with the
same DEFAULT_CSS), ids, classes, texts, table rows, inputs, options — the app's stylesheets,
and the screen's key bindings (so the footer shows the same keys). On each key it builds
the next screen from that description, data in memory, exactly as the step says: pop to
the base and push (a section key), or push (enter).

    .venv/bin/python scripts/bare_screens.py REPLICA.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import (
    Center,
    Container,
    Grid,
    Horizontal,
    HorizontalScroll,
    Middle,
    ScrollableContainer,
    Vertical,
    VerticalScroll,
)
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    ProgressBar,
    RadioButton,
    RadioSet,
    Rule,
    Select,
    SelectionList,
    Sparkline,
    Static,
    Switch,
    TabbedContent,
    TabPane,
    TextArea,
)

Node = dict[str, Any]

CONTAINERS: dict[str, type[Widget]] = {
    "Vertical": Vertical, "Horizontal": Horizontal, "VerticalScroll": VerticalScroll,
    "HorizontalScroll": HorizontalScroll, "ScrollableContainer": ScrollableContainer,
    "Container": Container, "Grid": Grid, "Center": Center, "Middle": Middle, "Widget": Widget,
}
_classes: dict[str, type[Widget]] = {}


def _named(name: str, base: type[Widget], css: str) -> type[Widget]:
    """A plain subclass of `base` named like the SkillHub widget it stands for (CSS selects by name)."""
    key = f"{name}:{base.__name__}"
    if key not in _classes:
        _classes[key] = type(name, (base,), {"DEFAULT_CSS": css, "__module__": __name__})
    return _classes[key]


def _kw(node: Node) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if node.get("id"):
        kw["id"] = node["id"]
    if node.get("classes"):
        kw["classes"] = " ".join(node["classes"])
    return kw


def build(node: Node) -> Widget:
    """One widget of the replica, its children built too."""
    base, props = node["base"], node.get("props", {})
    kw = _kw(node)
    if node["name"] != base and node.get("css") is not None:
        cls: type[Widget] = _named(node["name"], {**CONTAINERS, **LEAVES}.get(base, Widget), node["css"])
    else:
        cls = {**CONTAINERS, **LEAVES}.get(base, Static)
    if base in CONTAINERS or base not in LEAVES:
        if base not in CONTAINERS and base not in LEAVES:
            cls = _named(node["name"], Widget, node.get("css") or "")
        children = [build(child) for child in node.get("children", [])]
        return cls(*children, **kw)
    maker = MAKERS[base]
    return maker(cls, props, node, kw)


def _static(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("text", ""), markup=False, **kw)


def _button(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("label", ""), variant=props.get("variant", "default"),
               compact=props.get("compact", False), **kw)


def _input(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("value", ""), placeholder=props.get("placeholder", ""),
               password=props.get("password", False), compact=props.get("compact", False), **kw)


def _select(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    options = [(prompt, index) for index, prompt in enumerate(props.get("options", []))]
    value = props.get("value")
    return cls(options, value=value if value is not None else Select.NULL,
               allow_blank=value is None, compact=props.get("compact", False), **kw)


class _Table(DataTable[str]):
    """A DataTable that fills itself from the replica when mounted."""

    def __init__(self, props: dict[str, Any], **kw: Any) -> None:
        super().__init__(cursor_type=props.get("cursor_type", "cell"), zebra_stripes=props.get("zebra", False),
                         show_header=props.get("show_header", True), **kw)
        self._props = props

    def on_mount(self) -> None:
        self.add_columns(*self._props.get("columns", []))
        self.add_rows(self._props.get("rows", []))


def _table(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return _Table(props, **kw)


def _options(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(*props.get("options", []), markup=False, **kw)


def _selection(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(*[(prompt, index) for index, prompt in enumerate(props.get("options", []))], **kw)


def _textarea(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("text", ""), **kw)


def _sparkline(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("data", []), **kw)


def _progress(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    bar = cls(total=props.get("total"), show_eta=False, **kw)
    bar.progress = props.get("progress", 0)
    return bar


def _toggle(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("label", ""), props.get("value", False), **kw)


def _switch(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("value", False), **kw)


def _radioset(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(*[build(child) for child in node.get("children", [])], **kw)


def _tabbed(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    tabbed = cls(initial=props.get("active") or "", **kw)
    for child in node.get("children", []):
        # What `with TabbedContent(): yield TabPane(...)` does.
        tabbed.compose_add_child(build(child))
    return tabbed


def _tabpane(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(props.get("title", ""), *[build(child) for child in node.get("children", [])], **kw)


def _header(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(show_clock=props.get("show_clock", False), **kw)


def _footer(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(show_command_palette=props.get("show_command_palette", True),
               compact=props.get("compact", False), **kw)


def _plain(cls: Any, props: dict[str, Any], node: Node, kw: dict[str, Any]) -> Widget:
    return cls(**kw)


LEAVES: dict[str, type[Widget]] = {
    "Static": Static, "Label": Label, "Button": Button, "Input": Input, "Select": Select, "DataTable": DataTable,
    "OptionList": OptionList, "SelectionList": SelectionList, "TextArea": TextArea, "Sparkline": Sparkline,
    "ProgressBar": ProgressBar, "RadioButton": RadioButton, "Checkbox": Checkbox, "Switch": Switch,
    "RadioSet": RadioSet, "TabbedContent": TabbedContent, "TabPane": TabPane, "Header": Header, "Footer": Footer,
    "Rule": Rule,
}
MAKERS = {
    "Static": _static, "Label": _static, "Button": _button, "Input": _input, "Select": _select,
    "DataTable": _table, "OptionList": _options, "SelectionList": _selection, "TextArea": _textarea,
    "Sparkline": _sparkline, "ProgressBar": _progress, "RadioButton": _toggle, "Checkbox": _toggle,
    "Switch": _switch, "RadioSet": _radioset, "TabbedContent": _tabbed, "TabPane": _tabpane,
    "Header": _header, "Footer": _footer, "Rule": _plain,
}


class ReplicaScreen(Screen[None]):
    """One step's screen: its widget tree, title and footer keys, built anew each time."""

    # The focus is SkillHub's, set on mount (see on_mount).
    AUTO_FOCUS = ""

    def __init__(self, step: Node) -> None:
        super().__init__()
        self.step = step
        self.title = step.get("title")
        self.sub_title = step.get("sub_title")
        for key, description, show, display in step.get("bindings", []):
            self._bindings.bind(key, "app.noop", description, show=show, key_display=display or None)

    def compose(self) -> ComposeResult:
        for node in self.step["tree"]:
            yield build(node)

    def on_mount(self) -> None:
        self.call_after_refresh(self._focus_as_skillhub)

    def _focus_as_skillhub(self) -> None:
        # The widget SkillHub had focused (child indices from the screen); the deepest one the
        # replica has, when SkillHub's was inside a compound widget.
        target: Widget | Screen[None] = self
        for index in self.step.get("focus") or []:
            children = list(target.children)
            if index >= len(children):
                break
            target = children[index]
        if isinstance(target, Widget) and target.can_focus:
            target.focus()
        elif isinstance(target, Widget):
            for widget in target.query("*"):
                if widget.can_focus:
                    widget.focus()
                    break


class BareScreens(App[None]):
    """Shows the replica's steps in order, one per key, as SkillHub's shell would."""

    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, replica: Node) -> None:
        super().__init__()
        self.replica = replica
        self.title = replica.get("app_title", "SkillHub")
        self.sub_title = replica.get("app_sub_title", "")
        self.steps: list[Node] = replica["steps"]
        self.position = 0

    def get_default_screen(self) -> Screen[Any]:
        return ReplicaScreen(self.steps[0])

    async def on_key(self, event: Any) -> None:
        following = self.position + 1 if self.position + 1 < len(self.steps) else 1
        step = self.steps[following]
        if event.key != step["key"]:
            return
        event.stop()
        event.prevent_default()
        self.position = following
        if step["action"] in ("section", "home"):
            # SkillHub's shell: back to the base screen, then the section's screen on top.
            while len(self.screen_stack) > 1:
                await self.pop_screen()
        if step["action"] != "home":
            await self.push_screen(ReplicaScreen(step))

    def action_noop(self) -> None:
        pass


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        replica = json.load(handle)
    # The same stylesheets as SkillHub's, as text: App.CSS of a class made for this replica.
    app_class = type("BareScreens", (BareScreens,), {"CSS": replica["css"], "__module__": __name__})
    app_class(replica).run()


if __name__ == "__main__":
    main(sys.argv[1])
