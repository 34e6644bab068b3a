"""SSH keys as the SSH keys screen sees them: one account's keys, add one, remove one."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Conflict, FormErrors, ValidationError
from domain.models.ssh_keys import SshKey
from domain.services.ssh_keys import SshKeyService
from tui.controllers.session import PrincipalSource

# The fingerprint last: it is the widest, and the confirmation before a removal shows it whole.
# Why the remove key does nothing on an empty list.
NO_KEY_TO_REMOVE = "No key to remove: press a to add one from a .pub file."
COLUMNS = ("Key", "Comment", "Added", "Last used", "Fingerprint")


@dataclass(frozen=True)
class SshKeyRow:
    """One key in the table."""

    key_id: int
    algorithm: str
    bits: int
    fingerprint: str
    comment: str
    added: str
    last_used: str

    @property
    def key(self) -> int:
        return self.key_id

    @property
    def cells(self) -> tuple[str, ...]:
        return (f"{self.algorithm} {self.bits}", self.comment, self.added, self.last_used, self.fingerprint)

    @classmethod
    def of(cls, key: SshKey) -> SshKeyRow:
        last = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
        return cls(key.id, key.algorithm, key.bits, key.fingerprint, key.comment, key.created_at.strftime("%Y-%m-%d"),
                   last)


@dataclass(frozen=True)
class SshKeysView:
    """Whose keys these are, and the keys."""

    owner: str
    own: bool
    rows: tuple[SshKeyRow, ...]


class SshKeysController:
    """The keys of one account: yours (`user_id` None) or, for an admin, anyone's."""

    def __init__(self, keys: SshKeyService, principal: PrincipalSource, user_id: int | None = None,
                 owner_label: str = "") -> None:
        self._keys = keys
        self._principal = principal
        self._user_id = user_id
        self._owner_label = owner_label

    def _target(self) -> tuple[int, str, bool]:
        who = self._principal()
        user_id = who.user_id if self._user_id is None else self._user_id
        own = user_id == who.user_id
        label = f"{who.full_name} <{who.email}>" if own else self._owner_label
        return user_id, label, own

    def view(self) -> SshKeysView:
        user_id, label, own = self._target()
        who = self._principal()
        return SshKeysView(label, own, tuple(SshKeyRow.of(k) for k in self._keys.list(who, user_id)))

    def add(self, text: str) -> SshKeyRow:
        user_id, _, _ = self._target()
        try:
            return SshKeyRow.of(self._keys.add(self._principal(), user_id, text))
        except (ValidationError, Conflict) as exc:
            raise FormErrors({"public_key": exc.message}) from None

    def remove(self, fingerprint: str) -> SshKeyRow:
        user_id, _, _ = self._target()
        return SshKeyRow.of(self._keys.remove(self._principal(), user_id, fingerprint))
