"""The parser every `skillhub` command is declared with: one line of description, examples,
and usage errors as one line that points to the command's own help.

Cheap to import (argparse only): building the whole parser imports no database driver.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from tui.cli.exit_codes import EXIT_USAGE

# A command's handler: settings and parsed arguments in, exit status out.
Handler = Callable[[Any, argparse.Namespace], int]

WIDTH = 78
# Where each parser puts itself in the namespace; the innermost sub-command's parser wins, so a
# stray argument is reported against the command it was given to.
PARSER_DEST = "_parser"


class CommandParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line with exit status 2, naming the help to read."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"skillhub: {message} (see '{self.prog} --help')\n")


Subcommands = argparse._SubParsersAction  # argparse exposes no public name for it


def add_command(subparsers: Subcommands, name: str, summary: str, *, examples: Sequence[str],
                details: str = "", handler: Handler | None = None) -> CommandParser:
    """A sub-command: `summary` is its line in the parent's list and the first line of its help,
    `details` a paragraph under it, `examples` (full command lines) the end of its help."""
    if not examples:
        raise ValueError(f"the command {name!r} needs at least one example")
    description = summary[0].upper() + summary[1:] + "."
    if details:
        description += "\n\n" + textwrap.fill(details, WIDTH)
    epilog = "examples:\n" + "\n".join(f"  {example}" for example in examples)
    parser: CommandParser = subparsers.add_parser(
        name, help=summary, description=description, epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(**{PARSER_DEST: parser})
    if handler is not None:
        parser.set_defaults(func=handler)
    return parser


def add_actions(parser: argparse.ArgumentParser, dest: str) -> Subcommands:
    """The sub-commands of a command group (`skillhub db upgrade`): one of them is required."""
    return parser.add_subparsers(dest=dest, parser_class=CommandParser, metavar="ACTION", required=True)


def sub_commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser under `parser`, at any depth (for the help tests and the README)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *sub_commands(child)]
    return found
