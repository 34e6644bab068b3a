"""`skillhub dumps export [--out DIR]` and `skillhub dumps load [--from DIR]`.

CLI glue only: the work is in `domain.devdata.dumps` (files, load), `domain.devdata.export` and
`domain.devdata.seed` (the accounts' new password and the credentials file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from domain.config import Settings
from domain.repositories.mongo.dumps import DumpCollections
from domain.bootstrap import bootstrap
from domain.devdata.dumps import default_dumps_dir, ensure_empty, read_dumps
from domain.devdata.export import export_dumps
from tui.commands.doctor import _print_findings

EXIT_DRIFT = 1


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the four dumps from the demo data set, played on scratch servers under a fixed clock."""
    out: Path = args.out or default_dumps_dir()
    for line in export_dumps(settings, out).lines():
        print(line)
    return 0


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    """Load the four dumps into empty databases, then give the accounts a new password and check for drift."""
    from domain.infrastructure.migrate import upgrade
    from domain.devdata.seed import install_demo

    source: Path = args.source or default_dumps_dir()
    skillhub = bootstrap(settings)
    services, resources = skillhub.services, skillhub.resources
    try:
        skillhub.check()
        # Everything that can refuse is checked before the migrations touch the databases.
        read_dumps(source, DumpCollections(resources.db))
        ensure_empty(skillhub)
        for line in upgrade(resources.engine, resources.db).lines():
            print(line)
        credentials, report = install_demo(skillhub, source)
        for line in report.lines():
            print(line)
        print(credentials.banner())
        drift = services.doctor.check()
        _print_findings("Doctor", drift)
        return 0 if drift.clean else EXIT_DRIFT
    finally:
        skillhub.close()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `dumps export` and `dumps load` to the `skillhub` command."""
    dumps = subparsers.add_parser(
        "dumps", help="the data dumps of data/ (SQL + Extended JSON): export them from the demo, or load them",
        description="The four files the briefs name: skillhub_workshops.sql, mongo_registrations.json, "
                    "rebootcamp.sql and mongo.json (see docs/dumps.md).",
    )
    actions = dumps.add_subparsers(dest="dumps_command", metavar="ACTION", required=True, parser_class=type(dumps))
    export = actions.add_parser(
        "export", help="write the dumps from the demo data set (deterministic: same bytes every run)",
        description="Start a scratch pair of embedded servers, play the demo data set there under a fixed clock, "
                    "write the four files. Your own databases are not read.",
    )
    export.add_argument("--out", type=Path, metavar="DIR", help="where to write them (default: the project's data/)")
    export.set_defaults(func=cmd_export)
    load = actions.add_parser(
        "load", help="load the dumps into EMPTY databases (schema through the migrations, new random password)",
        description="Refuse unless every table and collection is empty; migrate; run the two SQL files and write "
                    "the two JSON files; give the accounts one new random password (shown once, kept in "
                    "SKILLHUB_DATA_DIR/demo-credentials.txt); run the doctor's drift check.",
    )
    load.add_argument("--from", dest="source", type=Path, metavar="DIR",
                      help="where to read them (default: the project's data/)")
    load.set_defaults(func=cmd_load)
