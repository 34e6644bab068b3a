"""The `skillhub` command: opens the TUI, and the commands an operator runs in a shell.

One module per command group (`run`, `db`, `users`, `embedded`, `outbox`, `backup`, `doctor`,
`dumps`, `ssh`), each with a `register(subparsers)`; `entry` parses and runs them,
`exit_codes` holds every exit status, `wiring` is how a command opens SkillHub, `output` what
several commands print alike, `parser` how a command is declared (description, examples, one-line
usage errors). Importing this package and building the parser imports no database driver,
Alembic or Textual: each command imports what it needs when it runs.
"""

from __future__ import annotations

from tui.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
