"""`skillhub run`: the TUI shows first, the services are prepared behind it, and what preparing
had to say (migrations, a first run's demo credentials) is printed once the TUI has ended."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import tui.cli.wiring as wiring
import tui.terminal as terminal
from domain.config import Settings
from tui.cli.run import cmd_run
from tui.startup import ServicesStartup


class FakeSkillHub:
    """What `prepare` returns: services whose hasher can be warmed, and a close that is recorded."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.services = SimpleNamespace(auth=SimpleNamespace(warm_up=lambda: events.append("warm_up")))

    def close(self) -> None:
        self.events.append("closed")


def test_run_shows_the_tui_before_preparing_and_prints_what_preparing_said_after_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    events: list[str] = []

    def prepare(settings: Settings, quiet: bool = False, say: Any = print) -> FakeSkillHub:
        events.append("prepare")
        say("PostgreSQL: upgraded empty -> 0005")
        say("Demo data created. Every demo account uses this password (shown once): …")
        return FakeSkillHub(events)

    def run_quietly(startup: ServicesStartup, logs: object) -> None:
        events.append("tui shown")
        assert not startup.ready
        # The app's worker, once the login screen is on the terminal.
        startup.run()
        assert capsys.readouterr().out == ""
        events.append("tui ended")

    monkeypatch.setattr(wiring, "prepare", prepare)
    monkeypatch.setattr(terminal, "run_quietly", run_quietly)
    args = argparse.Namespace(logs=SimpleNamespace(path=Path("/dev/null")))
    assert cmd_run(Settings.__new__(Settings), args) == 0
    assert events == ["tui shown", "prepare", "warm_up", "tui ended", "closed"]
    assert capsys.readouterr().out.splitlines() == [
        "PostgreSQL: upgraded empty -> 0005",
        "Demo data created. Every demo account uses this password (shown once): …",
    ]


def test_the_run_command_loads_no_database_library_nor_section_screen_before_the_tui() -> None:
    code = (
        "import sys\n"
        "import tui.cli, tui.cli.run, tui.terminal, tui.app, tui.startup\n"
        "from domain.config import load_settings\n"
        "heavy = ('sqlalchemy', 'pymongo', 'alembic', 'bcrypt', 'psycopg2', 'email_validator', 'domain.bootstrap',\n"
        "         'domain.services.container', 'tui.screens.workshops', 'tui.controllers.workshops')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
