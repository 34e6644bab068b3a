"""`skillhub dumps export`: the demo data set played on scratch servers, written as the four dumps.

Deterministic: the demo runs under the fixed DEMO_CLOCK on servers of its own, so the files
depend on the code alone (never on the user's data) and a second run writes the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from domain.clock import fixed_clock
from domain.config import Settings
from domain.devdata.dumps import DEMO_CLOCK, render_dumps
from domain.devdata.scratch import scratch_skillhub
from domain.devdata.seed import generate_demo

# The hash is not kept, so the export's servers need not spend time on it.
_EXPORT_BCRYPT_ROUNDS = 4


@dataclass(frozen=True)
class ExportReport:
    """The files written and what each holds."""

    files: dict[Path, str]

    def lines(self) -> list[str]:
        return [f"Wrote {path} ({summary})" for path, summary in self.files.items()]


def export_dumps(settings: Settings, out_dir: Path) -> ExportReport:
    """Play the demo on a scratch pair of embedded servers under DEMO_CLOCK and write the four files."""
    with scratch_skillhub(clock=fixed_clock(DEMO_CLOCK), mongo_db=settings.mongo_db,
                          bcrypt_rounds=_EXPORT_BCRYPT_ROUNDS) as skillhub:
        generate_demo(skillhub)
        rendered = render_dumps(skillhub)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[Path, str] = {}
    for name, (content, summary) in rendered.items():
        target = out_dir / name
        partial = out_dir / f"{name}.tmp"
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, target)
        written[target] = summary
    return ExportReport(written)
