"""The `skillhub` command line itself: cheap to start, every sub-command documented with an
example, usage errors as one line that points to the sub-command's own help (no server needed)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, main
from tui.cli.exit_codes import EXIT_USAGE
from tui.cli.parser import sub_commands

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "pymongo", "bson", "alembic", "psycopg2", "textual", "asyncssh")


def _every_subcommand() -> list[argparse.ArgumentParser]:
    parsers = sub_commands(build_parser())
    assert len(parsers) >= 20, "the walk must see every sub-command, nested ones too"
    return parsers


def test_importing_the_cli_and_building_its_help_loads_no_database_driver_alembic_or_textual() -> None:
    script = (
        "import json, sys\n"
        "import tui.cli\n"
        "from tui.cli.parser import sub_commands\n"
        "parser = tui.cli.build_parser()\n"
        "parser.format_help()\n"
        "for sub in sub_commands(parser):\n"
        "    sub.format_help()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    loaded = json.loads(done.stdout)
    assert "tui.cli.entry" in loaded and "tui.cli.backup" in loaded
    assert [name for name in loaded if name.split(".")[0] in HEAVY] == []


def test_skillhub_help_runs_without_loading_a_database_driver() -> None:
    script = (
        "import runpy, sys\n"
        "sys.argv = ['skillhub', 'backup', '--help']\n"
        "try:\n"
        "    runpy.run_module('tui.cli', run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert "examples:" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "LOADED []"


@pytest.mark.parametrize("parser", _every_subcommand(), ids=lambda parser: parser.prog)
def test_every_subcommand_has_a_one_line_description_and_an_example(parser: argparse.ArgumentParser) -> None:
    assert parser.description, f"{parser.prog} has no description"
    first_line = parser.description.splitlines()[0]
    assert first_line.strip() and len(first_line) <= 120
    text = parser.format_help()
    assert first_line in text
    examples = text.split("\nexamples:\n", 1)
    assert len(examples) == 2, f"{parser.prog} --help shows no example"
    lines = [line.strip() for line in examples[1].splitlines() if line.strip()]
    assert any(parser.prog in line for line in lines), lines


def test_every_subcommand_is_listed_with_its_summary_in_its_parents_help() -> None:
    for parser in [build_parser(), *_every_subcommand()]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                listed = {choice.dest: choice.help for choice in action._choices_actions}
                assert set(listed) == set(action.choices) and all(listed.values()), parser.prog


@pytest.mark.parametrize("parser", _every_subcommand(), ids=lambda parser: parser.prog)
def test_a_usage_error_is_one_line_pointing_to_that_subcommands_help(
        parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*parser.prog.split()[1:], "--no-such-option"]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("skillhub: ")
    assert lines[0].endswith(f"(see '{parser.prog} --help')")


@pytest.mark.parametrize(("argv", "problem", "help_of"), [
    (["backup", "--list", "--verify", "x.tar.gz"], "not allowed with argument", "skillhub backup"),
    (["ssh", "serve", "--port", "70000"], "the port must be between 0 and 65535, got 70000", "skillhub ssh serve"),
    (["user", "create", "a@b.org", "--name", "A", "--role", "root"], "invalid choice: 'root'",
     "skillhub user create"),
    (["embedded", "restart"], "invalid choice: 'restart'", "skillhub embedded"),
    (["db"], "the following arguments are required: ACTION", "skillhub db"),
    (["bakup"], "invalid choice: 'bakup'", "skillhub"),
])
def test_a_usage_error_names_the_problem(argv: list[str], problem: str, help_of: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_USAGE
    [line] = capsys.readouterr().err.splitlines()
    assert problem in line and line.endswith(f"(see '{help_of} --help')")
