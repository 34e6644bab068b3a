"""Demo data for a first `make run` against an empty database.

The demo data set is the committed data dumps (`data/`, see `domain.devdata.dumps`):
a first run loads them with their dates moved to today and gives every account one new
random password, shown once. `skillhub dumps export` writes those dumps by playing
`generate_demo` (the demo people, then each module's demo step through the services)
on servers of its own, under a fixed clock. The entry points call `seed_demo` on first use
(`skillhub run` / `prepare`, the SSH server's preparation); production wiring never does.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from domain.bootstrap import SkillHub
from domain.devdata.dumps import DUMP_FILES, LoadReport, default_dumps_dir, load_dumps
from domain.devdata.progress_demo import seed_progress_demo
from domain.devdata.workshops_demo import seed_workshops
from domain.infrastructure.directories import DATA_DIR_SETTING, ensure_directory
from domain.models.users import SYSTEM, Role

log = logging.getLogger(__name__)

DEMO_PEOPLE: list[tuple[str, str, Role]] = [
    ("admin@skillhub.demo", "Ada Admin", Role.ADMIN),
    ("camille.martin@skillhub.demo", "Camille Martin", Role.TRAINER),
    ("hugo.bernard@skillhub.demo", "Hugo Bernard", Role.TRAINER),
    *[
        (f"{first.lower()}.{last.lower()}@skillhub.demo", f"{first} {last}", Role.LEARNER)
        for first, last in [
            ("Lea", "Dubois"), ("Lucas", "Thomas"), ("Chloe", "Robert"), ("Nathan", "Richard"),
            ("Manon", "Petit"), ("Louis", "Durand"), ("Emma", "Leroy"), ("Jules", "Moreau"),
            ("Ines", "Simon"), ("Adam", "Laurent"), ("Sarah", "Lefebvre"), ("Noah", "Michel"),
        ]
    ],
]


@dataclass(frozen=True)
class DemoCredentials:
    password: str
    emails: list[str]
    file: Path

    def banner(self) -> str:
        return (
            "Demo data created. Every demo account uses this password (shown once):\n"
            f"    {self.password}\n"
            f"  admin:    {self.emails[0]}\n"
            f"  trainers: {', '.join(self.emails[1:3])}\n"
            f"  learners: {self.emails[3]} … ({len(self.emails) - 3} in all)\n"
            f"Also written to {self.file} (readable only by you)."
        )


CREDENTIALS_FILE = "demo-credentials.txt"

# Each module's demo step, played after the demo people are created.
DEMO_STEPS = (seed_workshops, seed_progress_demo)


def database_is_empty(skillhub: SkillHub) -> bool:
    with skillhub.resources.uow() as uow:
        return uow.users.count() == 0


def new_password() -> str:
    """A random password for the demo accounts (20 URL-safe characters)."""
    return secrets.token_urlsafe(15)


def generate_demo(skillhub: SkillHub, password: str | None = None) -> list[str]:
    """Create the demo people and play the modules' demo steps through the services; their emails."""
    # Without a password given, nobody is meant to log in: the export replaces every hash.
    password = password or new_password()
    emails = []
    for email, name, role in DEMO_PEOPLE:
        skillhub.services.users.create(SYSTEM, email, name, role.value, password)
        emails.append(email)
    for step in DEMO_STEPS:
        step(skillhub)
    return emails


def seed_demo(skillhub: SkillHub, password: str | None = None, source: Path | None = None) -> DemoCredentials | None:
    """Load the demo data set if there is no user at all, dated around today; the one-time credentials."""
    if not database_is_empty(skillhub):
        return None
    password = password or new_password()
    source = source or default_dumps_dir()
    if not all((source / name).is_file() for name in DUMP_FILES):
        # An installed copy without the source tree's data/: the same data set, played live.
        log.info("no data dumps in %s: generating the demo data", source)
        return write_credentials(skillhub, password, generate_demo(skillhub, password))
    credentials, _ = install_demo(skillhub, source, password, require_empty=False, as_of=skillhub.resources.clock())
    return credentials


def install_demo(skillhub: SkillHub, source: Path, password: str | None = None, *, require_empty: bool = True,
                 as_of: datetime | None = None) -> tuple[DemoCredentials, LoadReport]:
    """Load the dumps of `source`, give their accounts one new random password, write the credentials file."""
    password = password or new_password()
    report = load_dumps(skillhub, source, require_empty=require_empty, as_of=as_of,
                        password_hash=skillhub.resources.hasher.hash(password))
    return write_credentials(skillhub, password, [email for _, email in report.accounts]), report


def demo_accounts_file(data_dir: Path) -> tuple[Path, str] | None:
    """Where a first run wrote the demo credentials and the demo admin's email (the first listed),
    or None when there is no such file. The password line is not read."""
    path = data_dir / CREDENTIALS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    emails = [line.strip() for line in lines if line.strip() and not line.startswith("password:")]
    return (path, emails[0]) if emails else None


def write_credentials(skillhub: SkillHub, password: str, emails: list[str]) -> DemoCredentials:
    """Keep the one-time password and the accounts in SKILLHUB_DATA_DIR/demo-credentials.txt (0600)."""
    path = ensure_directory(skillhub.resources.settings.data_dir, DATA_DIR_SETTING) / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"password: {password}\n" + "".join(f"{e}\n" for e in emails))
    os.chmod(path, 0o600)
    return DemoCredentials(password, emails, path)
