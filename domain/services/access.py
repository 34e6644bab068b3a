"""Role checks shared by every service."""

from __future__ import annotations

from domain.errors import PermissionDenied
from domain.models.users import Principal, Role


def require_role(principal: Principal, *roles: Role, doing: str) -> None:
    """Refuse unless the caller has one of `roles`; `doing` completes "You may not …"."""
    if not isinstance(principal, Principal):
        raise PermissionDenied(f"You must be logged in to {doing}.")
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"Only {allowed} users may {doing}.")
