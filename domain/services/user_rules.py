"""Which changes to an account change what its owner may do, and how to ask before making them.

Every change of role and every activation or deactivation is a privilege change: the
screens ask for a confirmation that names the person and the change, in these words,
before calling UserService. Granting the admin role says what it opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.models.users import Role

# What each role may do, in a confirmation's words.
ROLE_POWERS: dict[Role, str] = {
    Role.ADMIN: "manage every account, role and backup, and read the activity log",
    Role.TRAINER: "run workshops and challenges and record learners' progress",
    Role.LEARNER: "join workshops and follow their own challenges and badges",
}


@dataclass(frozen=True)
class PrivilegeChange:
    """A confirmation to ask before a privilege change: its title, question and the yes button's label."""

    title: str
    question: str
    yes_label: str


def _power_rank(role: Role) -> int:
    return list(Role).index(role)


def role_change(person: str, current: Role, new: Role) -> PrivilegeChange | None:
    """The confirmation to ask before giving `person` the role `new` (None: it is their role already)."""
    if new is current:
        return None
    if new is Role.ADMIN:
        return PrivilegeChange("Grant the admin role",
                               f"Make {person} an admin? They will be able to {ROLE_POWERS[Role.ADMIN]}.",
                               "Make admin")
    more = _power_rank(new) < _power_rank(current)
    then = f"They will be able to {ROLE_POWERS[new]}" + ("." if more else f", and no longer {ROLE_POWERS[current]}.")
    return PrivilegeChange(f"Change role to {new.value}",
                           f"Change {person} from {current.value} to {new.value}? {then}",
                           f"Make {new.value}")


def activation_change(person: str, active: bool) -> PrivilegeChange:
    """The confirmation to ask before activating or deactivating `person`'s account."""
    if active:
        return PrivilegeChange("Activate user", f"Activate {person}? They will be able to log in again.", "Activate")
    return PrivilegeChange("Deactivate user",
                           f"Deactivate {person}? They will no longer be able to log in, and their open sessions end.",
                           "Deactivate")
