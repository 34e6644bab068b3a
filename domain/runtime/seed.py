"""Demo data for a first `make run` against an empty database."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from domain.models.users import SYSTEM, Role
from domain.repositories.sql.users import UserRepository
from domain.runtime.container import Services

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


def database_is_empty(services: Services) -> bool:
    with services.uow() as uow:
        return UserRepository(uow.conn).count() == 0


def seed_demo(services: Services, password: str | None = None) -> DemoCredentials | None:
    """Create the demo people if there is no user at all; return the one-time credentials."""
    if not database_is_empty(services):
        return None
    password = password or secrets.token_urlsafe(15)
    emails = []
    for email, name, role in DEMO_PEOPLE:
        services.users.create(SYSTEM, email, name, role.value, password)
        emails.append(email)
    for step in services.extras.get("demo_steps", []):
        step(services)
    path = services.settings.data_dir / "demo-credentials.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"password: {password}\n" + "".join(f"{e}\n" for e in emails))
    os.chmod(path, 0o600)
    return DemoCredentials(password, emails, path)
