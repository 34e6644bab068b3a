"""SSH public keys: a person manages their own, an admin anyone's; every change is logged."""

from __future__ import annotations

import re

from domain import validation
from domain.clock import Clock, utc_now
from domain.errors import Conflict, NotFound, ValidationError
from domain.models.ssh_keys import SshKey
from domain.models.users import Principal, Role, User
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.security.ssh_keys import FIELD, parse_public_key
from domain.services.access import require_role
from domain.services.activity import ActivityService

MAX_KEYS_PER_USER = 20
FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


def parse_fingerprint(raw: object) -> str:
    """`SHA256:…` as `ssh-keygen -l` prints it (the `SHA256:` prefix may be left out)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if text and not text.startswith("SHA256:"):
        text = "SHA256:" + text
    if not FINGERPRINT.match(text):
        raise ValidationError("a fingerprint looks like SHA256: followed by 43 characters (as 'skillhub ssh keys' "
                              "prints it)", field="fingerprint")
    return text


class SshKeyService:
    """List, add and remove the SSH public keys of an account."""

    def __init__(self, uow_factory: UnitOfWorkFactory, activity: ActivityService, clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._activity = activity
        self._clock = clock

    @staticmethod
    def _may_manage(principal: Principal, user_id: int) -> None:
        if not isinstance(principal, Principal) or principal.user_id != user_id:
            require_role(principal, Role.ADMIN, doing="manage other people's SSH keys")

    def _log(self, uow: UnitOfWork, actor: Principal, action: str, user_id: int, **details: object) -> None:
        self._activity.record(uow, actor, action, "user", user_id, dict(details))

    @staticmethod
    def _owner(uow: UnitOfWork, user_id: object) -> User:
        user = uow.users.get(validation.parse_id(user_id, "user_id", "User id", typed=True))
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        return user

    def owner_by_email(self, principal: Principal, email: object) -> User:
        """The account whose keys the command line names by email (yours, or anyone's for an admin)."""
        key = validation.email_lookup_key(validation.valid_text(email, "email", "Email"))
        with self._uow() as uow:
            user = uow.users.by_email(key) if key else None
        if user is None or (principal.user_id != user.id and not principal.is_admin):
            raise NotFound(f"No user with the email {str(email).strip()[:254]}.")
        return user

    def list(self, principal: Principal, user_id: int) -> list[SshKey]:
        self._may_manage(principal, user_id)
        with self._uow() as uow:
            self._owner(uow, user_id)
            return uow.ssh_keys.of_user(user_id)

    def add(self, principal: Principal, user_id: int, text: object) -> SshKey:
        """Register the key of one .pub line; refuse weak, damaged, private or already registered keys."""
        self._may_manage(principal, user_id)
        key = parse_public_key(validation.valid_text(text, FIELD, "The key") if isinstance(text, str) else text)
        with self._uow() as uow:
            owner = self._owner(uow, user_id)
            repo = uow.ssh_keys
            existing = repo.by_fingerprint(key.fingerprint)
            if existing is not None:
                # Only an admin learns that the key belongs to someone else.
                whose = ("this account" if existing.user_id == owner.id
                         else "another account" if principal.is_admin else "an account")
                raise Conflict(f"The key {key.fingerprint} is already registered to {whose}.")
            if repo.count_of_user(owner.id) >= MAX_KEYS_PER_USER:
                raise Conflict(f"{owner.email} already has {MAX_KEYS_PER_USER} keys: remove one first.")
            added = repo.add(owner.id, key, self._clock())
            self._log(uow, principal, "ssh_key.add", owner.id, email=owner.email, fingerprint=added.fingerprint,
                      key_type=added.key_type, comment=added.comment)
            uow.commit()
        return added

    def remove(self, principal: Principal, user_id: int, fingerprint: object) -> SshKey:
        self._may_manage(principal, user_id)
        wanted = parse_fingerprint(fingerprint)
        with self._uow() as uow:
            owner = self._owner(uow, user_id)
            removed = uow.ssh_keys.remove(owner.id, wanted)
            if removed is None:
                raise NotFound(f"{owner.email} has no key {wanted}.")
            self._log(uow, principal, "ssh_key.remove", owner.id, email=owner.email, fingerprint=removed.fingerprint,
                      key_type=removed.key_type, comment=removed.comment)
            uow.commit()
        return removed
