"""Who may see or change whose progress: learners their own, staff anyone's."""

from __future__ import annotations

from domain.errors import PermissionDenied
from domain.models.users import Principal, Role
from domain.services.access import require_role
from domain.validation import parse_id


def user_id_value(value: object, field: str = "user_id") -> int:
    """A user id as given by a screen or a command (see `validation.parse_id`)."""
    return parse_id(value, field, "User id", typed=True)


def require_self_or_staff(principal: Principal, user_id: object, what: str) -> int:
    """Refuse a learner reaching another learner's `what` (e.g. "progress"); return the user id."""
    require_role(principal, *Role, doing=f"see {what}")
    target = user_id_value(user_id)
    if principal.role is Role.LEARNER and principal.user_id != target:
        raise PermissionDenied(f"Learners may only see their own {what}.")
    return target
