"""Capture the README's terminal output and screenshots into docs/ from a real run.

Starts its own embedded PostgreSQL and MongoDB wire server in a temporary directory (the
user's data is never touched), seeds the demo data, runs the main commands as a person
would (`skillhub db upgrade`, `doctor`, `backup`, `restore`) and saves their output under
docs/captures/, then drives the TUI headless and saves SVG screenshots under
docs/screenshots/. Usage: .venv/bin/python scripts/capture_docs.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.config import load_settings  # noqa: E402
from domain.infrastructure.embedded import EmbeddedServers  # noqa: E402

CAPTURES = ROOT / "docs" / "captures"
SHOTS = ROOT / "docs" / "screenshots"
SKILLHUB = Path(sys.executable).parent / "skillhub"


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `skillhub ARGS` and return what a person would see (stdout then stderr)."""
    result = subprocess.run([str(SKILLHUB), *args], env=env, input=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    shown = f"$ skillhub {' '.join(args)}\n{result.stdout}"
    if result.returncode:
        shown += f"(exit status {result.returncode})\n"
    return shown


def anonymise(text: str, data_dir: Path) -> str:
    text = text.replace(str(data_dir), "~/.local/share/skillhub")
    return re.sub(r"(password \(shown once\):\n\s+)\S+", r"\1<random password>", text)


async def screenshots(env: dict[str, str], password: str) -> list[Path]:
    os.environ.update(env)
    from textual.widgets import Input
    from textual.worker import WorkerCancelled, WorkerFailed

    from domain.bootstrap import bootstrap
    from tui.app import SkillHubApp

    skillhub = bootstrap(load_settings())
    saved: list[Path] = []

    async def settle(app: SkillHubApp, pilot) -> None:  # noqa: ANN001 - Pilot
        """Wait for every worker (a failed one is part of what the screen shows) and a repaint."""
        for _ in range(20):
            for worker in list(app.workers):
                with contextlib.suppress(WorkerFailed, WorkerCancelled):
                    await worker.wait()
            await pilot.pause(0.1)
            if not any(worker.is_running for worker in app.workers):
                return

    async def shoot(app: SkillHubApp, pilot, name: str) -> None:  # noqa: ANN001 - Pilot
        await settle(app, pilot)
        await pilot.pause(0.2)
        path = SHOTS / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(path.parent))
        saved.append(path)

    walks: list[tuple[str, str, list[tuple[str, list[str]]]]] = [
        ("admin@skillhub.demo", "admin", [("home", []), ("users", ["5"]), ("activity-log", ["7"]),
                                          ("backups", ["6"]), ("help", ["?"])]),
        ("camille.martin@skillhub.demo", "trainer", [("workshops", ["2"]), ("workshop-registrations", ["enter"])]),
        ("lea.dubois@skillhub.demo", "learner", [("learner-workshops", ["2"]), ("progress", ["3"]),
                                                ("leaderboard", ["4"])]),
    ]
    for email, _role, steps in walks:
        app = SkillHubApp(skillhub.services)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            if not saved:
                await shoot(app, pilot, "login")
            app.screen.query_one("#email", Input).value = email
            password_field = app.screen.query_one("#password", Input)
            password_field.value = password
            password_field.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            for name, keys in steps:
                for key in keys:
                    await pilot.press(key)
                    await settle(app, pilot)
                await shoot(app, pilot, name)
                if name == "help":
                    await pilot.press("escape")
    skillhub.close()
    return saved


def main() -> int:
    CAPTURES.mkdir(parents=True, exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skillhub-docs-") as tmp:
        data_dir = Path(tmp) / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MONGO_", "SKILLHUB_"))}
        env.update({"SKILLHUB_DATA_DIR": str(data_dir), "SKILLHUB_BACKUP_DIR": str(data_dir / "backups"),
                    "TEXTUAL_ANIMATIONS": "none"})
        try:
            outputs = {
                "db-upgrade": run(env, "db", "upgrade") + run(env, "db", "upgrade"),
            }
            outputs["first-run"] = run(env, "prepare")
            password = (data_dir / "demo-credentials.txt").read_text().splitlines()[0].split(": ", 1)[1]
            outputs["doctor"] = run(env, "doctor")
            outputs["backup"] = run(env, "backup") + run(env, "backup", "--list")
            archive = sorted((data_dir / "backups").glob("skillhub-*.tar.gz"))[-1]
            outputs["backup"] += run(env, "backup", "--verify", str(archive))
            outputs["restore"] = run(env, "restore", archive.name, "--yes")
            outputs["embedded"] = run(env, "embedded", "status")
            for name, text in outputs.items():
                (CAPTURES / f"{name}.txt").write_text(anonymise(text, data_dir))
                print(f"wrote docs/captures/{name}.txt")
            for path in asyncio.run(screenshots(env, password)):
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            EmbeddedServers(data_dir).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
