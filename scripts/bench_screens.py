"""Key → screen shown, in SkillHub and in a bare Textual app showing the same widgets and texts.

1. A scratch data directory gets the embedded servers and the demo data (`skillhub prepare`).
2. SkillHub is driven headless (Textual's Pilot) through a navigation — sections 2 to 7 and
   a workshop's registrations for the demo admin, the progress screen and leaderboard for a
   demo learner — and every screen it shows is written to a replica file: widget types,
   ids, classes, texts, table rows, inputs, options, footer keys, and the stylesheets
   (`scripts/bare_screens.py` rebuilds them with plain Textual widgets, data in memory).
3. Both apps run side by side in pseudo-terminals; for each step the same key goes to one,
   then the other (alternating which goes first), and the time until the step's marker (a
   text of the new screen that the previous one did not show: a table row, a heading) is on
   the terminal is recorded. The script prints per-step min / median / max for both and the
   ratio of medians, then the resident memory (RSS) of both after the first round and after
   the last, to compare how they grow.

    .venv/bin/python scripts/bench_screens.py              # 12 rounds, 100x30
    .venv/bin/python scripts/bench_screens.py --rounds 20 --size 80x24
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script: its own folder is on sys.path, with the start-up benchmark's pty helpers.
from bench_startup import _ESCAPES, BIN, ROOT, _env, _quit, _rss_kib, _skillhub, open_pty

# (account, [(key, action, label)]): "section" pops to Home then pushes, "push" pushes, "home" pops to Home.
ADMIN_STEPS = [("2", "section", "Workshops"), ("enter", "push", "Registrations"), ("3", "section", "Progress (staff)"),
               ("4", "section", "Leaderboard"), ("5", "section", "Users"), ("6", "section", "Backups"),
               ("7", "section", "Activity"), ("1", "home", "Home")]
LEARNER_STEPS = [("2", "section", "Workshops (learner)"), ("3", "section", "Progress (learner)"),
                 ("4", "section", "Leaderboard (learner)"), ("1", "home", "Home")]
KEY_BYTES = {"enter": b"\r", "escape": b"\x1b"}

# Widgets whose children a screen composes (walked); every other Textual widget is a leaf.
CONTAINER_BASES = {"Vertical", "Horizontal", "VerticalScroll", "HorizontalScroll", "ScrollableContainer",
                   "Container", "Grid", "Center", "Middle", "Widget"}


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return value.plain if hasattr(value, "plain") else str(value)


def _textual_base(widget: Any) -> str:
    for cls in type(widget).__mro__:
        if cls.__module__.startswith("textual."):
            return cls.__name__
    return "Widget"


def describe(widget: Any) -> dict[str, Any]:
    """One widget as the replica keeps it (see scripts/bare_screens.py)."""
    from textual.widgets import TabPane

    cls = type(widget)
    base = _textual_base(widget)
    ours = cls.__module__.startswith("tui.")
    node: dict[str, Any] = {"name": cls.__name__ if ours else base, "base": base, "id": widget.id,
                            "classes": sorted(widget.classes), "props": {}}
    if ours:
        node["css"] = cls.__dict__.get("DEFAULT_CSS", "")
    props = node["props"]
    if base in ("Static", "Label"):
        props["text"] = _plain(widget.render())
    elif base == "Button":
        props.update(label=_plain(widget.label), variant=widget.variant, compact=bool(getattr(widget, "compact", False)))
    elif base == "Input":
        props.update(value=widget.value, placeholder=widget.placeholder, password=widget.password,
                     compact=bool(getattr(widget, "compact", False)))
    elif base == "Select":
        options = list(widget._options)
        values = [value for _, value in options]
        props.update(options=[_plain(prompt) for prompt, _ in options],
                     value=values.index(widget.value) if widget.value in values else None,
                     compact=bool(getattr(widget, "compact", False)))
    elif base == "DataTable":
        props.update(columns=[_plain(column.label) for column in widget.ordered_columns],
                     rows=[[_plain(cell) for cell in widget.get_row_at(i)] for i in range(widget.row_count)],
                     cursor_type=widget.cursor_type, zebra=widget.zebra_stripes, show_header=widget.show_header)
    elif base in ("OptionList", "SelectionList"):
        props["options"] = [_plain(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]
    elif base == "TextArea":
        props["text"] = widget.text
    elif base == "Sparkline":
        props["data"] = list(widget.data or [])
    elif base == "ProgressBar":
        props.update(total=widget.total, progress=widget.progress)
    elif base in ("RadioButton", "Checkbox"):
        props.update(label=_plain(widget.label), value=widget.value)
    elif base == "Switch":
        props["value"] = widget.value
    elif base == "TabPane":
        props["title"] = _plain(getattr(widget, "_title", ""))
    elif base == "Footer":
        props.update(compact=widget.compact, show_command_palette=widget.show_command_palette)
    if base == "TabbedContent":
        props["active"] = widget.active
        node["children"] = [describe(pane) for pane in widget.query(TabPane)]
    elif base in CONTAINER_BASES or base in ("TabPane", "RadioSet"):
        node["children"] = [describe(child) for child in widget.children]
    return node


def texts(node: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """Every text a screen shows, with a preference (table rows first, then headings and lines)."""
    props = node.get("props", {})
    for row in props.get("rows", [])[:3]:
        for cell in row:
            yield 0, cell
    for option in props.get("options", [])[:3]:
        yield 0, option
    if props.get("text"):
        yield 1, props["text"]
    for child in node.get("children", []):
        yield from texts(child)


def _path(screen: Any, widget: Any) -> list[int] | None:
    """Where `widget` sits in the screen's tree, as child indices from the screen (None: no focus)."""
    if widget is None:
        return None
    path: list[int] = []
    while widget is not None and widget is not screen:
        parent = widget.parent
        if parent is None:
            return None
        path.append(list(parent.children).index(widget))
        widget = parent
    return list(reversed(path))


def describe_screen(app: Any) -> dict[str, Any]:
    screen = app.screen
    focused = screen.focused
    bindings = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        bindings.append([key, binding.description, binding.show, binding.key_display])
    return {"title": screen.title or app.title, "sub_title": screen.sub_title or app.sub_title,
            "screen_class": type(screen).__name__, "focus": _path(screen, focused),
            "bindings": bindings, "tree": [describe(child) for child in screen.children]}


def _marker(step: dict[str, Any], before: dict[str, Any]) -> str:
    """A line of the step's screen the previous screen did not show (data first)."""
    seen = {text for node in before["tree"] for _, text in texts(node)}
    candidates = sorted(((rank, text.strip()) for node in step["tree"] for rank, text in texts(node)
                         if "\n" not in text.strip() and 6 <= len(text.strip()) <= 60 and text.strip() not in seen),
                        key=lambda item: (item[0], -len(item[1])))
    if not candidates:
        raise SystemExit(f"no marker for the step {step['label']}: nothing new on its screen")
    return candidates[0][1]


def _css(app: Any) -> str:
    """SkillHub's own stylesheets (files and screen CSS); widget DEFAULT_CSS travels with the widgets."""
    parts = []
    for (path, class_var), source in app.stylesheet.source.items():
        inside = path.startswith(str(ROOT / "tui"))
        widget_default = class_var.endswith(".DEFAULT_CSS") and "/widgets/" in path
        if inside and not widget_default:
            parts.append(f"/* {Path(path).name} {class_var} */\n{source.content}")
    return "\n".join(parts)


async def _settle(pilot: Any) -> None:
    from textual.worker import WorkerCancelled, WorkerFailed

    app = pilot.app
    for _ in range(40):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return


async def capture(data_dir: Path, email: str, password: str, steps: list[tuple[str, str, str]],
                  size: tuple[int, int]) -> dict[str, Any]:
    """Drive SkillHub headless through `steps` and describe every screen it shows."""
    os.environ["SKILLHUB_DATA_DIR"] = str(data_dir)
    os.environ["SKILLHUB_ENV_FILE"] = os.devnull
    from textual.widgets import Input

    from domain.bootstrap import bootstrap
    from domain.config import load_settings
    from tui.app import SkillHubApp

    skillhub = bootstrap(load_settings(), start_embedded=False)
    try:
        app = SkillHubApp(skillhub.services)
        async with app.run_test(size=size) as pilot:
            await _settle(pilot)
            app.screen.query_one("#email", Input).value = email
            field = app.screen.query_one("#password", Input)
            field.value = password
            field.focus()
            await pilot.press("enter")
            await _settle(pilot)
            start = describe_screen(app)
            start.update(key=None, action="start", label="Home")
            captured = [start]
            for key, action, label in steps:
                await pilot.press(key)
                await _settle(pilot)
                step = describe_screen(app)
                step.update(key=key, action=action, label=label)
                step["marker"] = _marker(step, captured[-1])
                captured.append(step)
            # The first step's marker must be new against the last step too (the rounds repeat).
            captured[1]["marker"] = _marker(captured[1], captured[-1])
            return {"app_title": app.title, "app_sub_title": app.sub_title, "css": _css(app), "steps": captured}
    finally:
        skillhub.close()


@dataclass
class Driven:
    """One app on its own pty, and what it showed."""

    name: str
    process: subprocess.Popen[bytes]
    master: int
    times: dict[str, list[float]] = field(default_factory=dict)
    rss: list[int] = field(default_factory=list)

    def send_and_wait(self, data: bytes, marker: str, timeout: float = 30.0) -> float:
        """Send `data`; seconds until `marker` shows in what the app writes after it."""
        started = time.perf_counter()
        os.write(self.master, data)
        return self.wait_for(marker, started, timeout)

    def wait_for(self, marker: str, started: float, timeout: float = 60.0) -> float:
        seen = b""
        wanted = marker.encode()
        import select

        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if ready:
                chunk = os.read(self.master, 65536)
                if not chunk:
                    break
                seen += chunk
                if wanted in _ESCAPES.sub(b"", seen):
                    elapsed = time.perf_counter() - started
                    self._drain()
                    return elapsed
        raise SystemExit(f"{self.name}: {marker!r} never showed; last output: "
                         f"{_ESCAPES.sub(b'', seen)[-300:].decode(errors='replace')}")

    def _drain(self) -> None:
        """Read what the frame still has to write, so the next step starts from a quiet terminal."""
        import select

        quiet_since = time.perf_counter()
        while time.perf_counter() - quiet_since < 0.15:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                if not os.read(self.master, 65536):
                    return
                quiet_since = time.perf_counter()


def _report(rows: list[tuple[str, list[float], list[float]]], bare: Driven, app: Driven, rounds: int) -> None:
    print(f"{'step':<24} {'bare min/med/max (ms)':>24} {'skillhub min/med/max (ms)':>27} {'ratio':>6}")
    for label, bare_times, app_times in rows:
        def fmt(values: list[float]) -> str:
            ms = [v * 1000 for v in values]
            return f"{min(ms):6.0f} {statistics.median(ms):6.0f} {max(ms):6.0f}"

        ratio = statistics.median(app_times) / statistics.median(bare_times)
        print(f"{label:<24} {fmt(bare_times):>24} {fmt(app_times):>27} {ratio:5.2f}×")
    for driven in (bare, app):
        first, last = driven.rss[0] / 1024, driven.rss[-1] / 1024
        print(f"RSS {driven.name:<9} after round 1: {first:6.1f} MiB, after round {rounds}: {last:6.1f} MiB "
              f"(+{last - first:.1f} MiB)")


def run(rounds: int, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory(prefix="skillhub-bench-screens-") as tmp:
        data_dir = Path(tmp) / "data"
        env = _env(data_dir)
        _skillhub(env, "prepare")
        try:
            password = (data_dir / "demo-credentials.txt").read_text().split()[1]
            for email, steps in (("admin@skillhub.demo", ADMIN_STEPS), ("lea.dubois@skillhub.demo", LEARNER_STEPS)):
                replica = asyncio.run(capture(data_dir, email, password, steps, size))
                path = Path(tempfile.gettempdir()) / f"skillhub-replica-{email.split('@')[0]}.json"
                path.write_text(json.dumps(replica), encoding="utf-8")
                print(f"\n{email}: {len(steps)} steps, {rounds} rounds, {size[0]}x{size[1]}, interleaved")
                _measure(replica, path, env, email, password, rounds, size)
        finally:
            _skillhub(env, "embedded", "stop")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _measure(replica: dict[str, Any], path: Path, env: dict[str, str], email: str, password: str, rounds: int,
             size: tuple[int, int]) -> None:
    steps = replica["steps"]
    home_marker = "Sections — press the digit"
    process, master = open_pty([str(BIN / "skillhub")], env, size)
    app = Driven("skillhub", process, master)
    process, master = open_pty([sys.executable, str(ROOT / "scripts" / "bare_screens.py"), str(path)], env, size)
    bare = Driven("bare", process, master)
    try:
        app.wait_for("Log in with your email", time.perf_counter())
        os.write(app.master, email.encode() + b"\r")
        time.sleep(0.3)
        app.send_and_wait(password.encode() + b"\r", home_marker)
        bare.wait_for(home_marker, time.perf_counter())
        for index in range(rounds):
            for number, step in enumerate(steps[1:]):
                data = KEY_BYTES.get(step["key"], step["key"].encode())
                pair = [bare, app] if (index + number) % 2 == 0 else [app, bare]
                for driven in pair:
                    driven.times.setdefault(step["label"], []).append(driven.send_and_wait(data, step["marker"]))
            if index in (0, rounds - 1):
                for driven in (bare, app):
                    driven.rss.append(_rss_kib(driven.process.pid))
        labels = [step["label"] for step in steps[1:]]
        _report([(label, bare.times[label], app.times[label]) for label in labels], bare, app, rounds)
    finally:
        for driven in (bare, app):
            _quit(driven.process, driven.master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--size", default="100x30", help="terminal size, COLUMNSxROWS")
    args = parser.parse_args()
    columns, _, rows = args.size.partition("x")
    if shutil.which("skillhub", path=str(BIN)) is None:
        raise SystemExit("run 'make install' first")
    run(args.rounds, (int(columns), int(rows)))


if __name__ == "__main__":
    main()
