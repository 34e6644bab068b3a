"""`skillhub dumps export [--out DIR]` and `skillhub dumps load [--from DIR]`.

CLI glue only: the work is in `domain.devdata.dumps` (files, load), `domain.devdata.export` and
`domain.devdata.seed` (the accounts' new password and the credentials file), imported when a
command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from domain.config import Settings
from tui.cli.exit_codes import EXIT_DRIFT, EXIT_OK
from tui.cli.output import print_findings, print_lines
from tui.cli.parser import Subcommands, add_actions, add_command


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the four dumps from the demo data set, played on scratch servers under a fixed clock."""
    from domain.devdata.dumps import default_dumps_dir
    from domain.devdata.export import export_dumps

    out: Path = args.out or default_dumps_dir()
    print_lines(export_dumps(settings, out).lines())
    return EXIT_OK


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    """Load the four dumps into empty databases, then give the accounts a new password and check for drift."""
    from domain.devdata.dumps import default_dumps_dir, ensure_empty, read_dumps
    from domain.devdata.seed import install_demo
    from domain.infrastructure.migrate import upgrade
    from domain.repositories.mongo.dumps import DumpCollections
    from tui.cli.wiring import connected

    source: Path = args.source or default_dumps_dir()
    with connected(settings) as skillhub:
        resources = skillhub.resources
        # Everything that can refuse is checked before the migrations touch the databases.
        read_dumps(source, DumpCollections(resources.db))
        ensure_empty(skillhub)
        print_lines(upgrade(resources.engine, resources.db).lines())
        credentials, report = install_demo(skillhub, source)
        print_lines(report.lines())
        print(credentials.banner())
        drift = skillhub.services.doctor.check()
        print_findings("Doctor", drift)
        return EXIT_OK if drift.clean else EXIT_DRIFT


def register(subparsers: Subcommands) -> None:
    """Add `dumps export` and `dumps load` to the `skillhub` command."""
    dumps = add_command(
        subparsers, "dumps", "the data dumps of data/ (SQL + Extended JSON): export them from the demo, or load them",
        details="The four files the briefs name: skillhub_workshops.sql, mongo_registrations.json, "
                "rebootcamp.sql and mongo.json (see docs/dumps.md).",
        examples=["skillhub dumps export --out /tmp/dumps", "skillhub dumps load"],
    )
    actions = add_actions(dumps, "dumps_command")
    export = add_command(
        actions, "export", "write the dumps from the demo data set (deterministic: same bytes every run)",
        details="Start a scratch pair of embedded servers, play the demo data set there under a fixed clock, "
                "write the four files. Your own databases are not read.",
        examples=["skillhub dumps export", "skillhub dumps export --out /tmp/dumps"], handler=cmd_export,
    )
    export.add_argument("--out", type=Path, metavar="DIR", help="where to write them (default: the project's data/)")
    load = add_command(
        actions, "load", "load the dumps into EMPTY databases (schema through the migrations, new random password)",
        details="Refuse unless every table and collection is empty; migrate; run the two SQL files and write "
                "the two JSON files; give the accounts one new random password (shown once, kept in "
                "SKILLHUB_DATA_DIR/demo-credentials.txt); run the doctor's drift check.",
        examples=["skillhub dumps load", "skillhub dumps load --from /tmp/dumps"], handler=cmd_load,
    )
    load.add_argument("--from", dest="source", type=Path, metavar="DIR",
                      help="where to read them (default: the project's data/)")
