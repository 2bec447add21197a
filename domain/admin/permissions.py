"""Who may administer what: roles (ADMIN, MEMBER) in organisations of three kinds.

- A supplier ADMIN runs the whole portal: settings, organisations and their users, activity
  types, campaigns, every provider's profile and services (and approves them), MDF funds.
- A supplier MEMBER (a channel manager on the order flow) reads the audit log.
- A provider ADMIN manages its own users, profile, offices and services.
- A partner ADMIN manages its own users.
- MEMBERs of partners and providers administer nothing.
Nothing crosses organisations or portals: an object of another portal reads as not found.
"""

from __future__ import annotations

import enum

from domain.access import can_see_organization
from domain.errors import DomainError, ErrorCode, not_found
from domain.viewer import Viewer
from models import Organization


class Permission(enum.StrEnum):
    MANAGE_PORTAL = "MANAGE_PORTAL"  # settings, organisations, activity types, campaigns
    MANAGE_USERS = "MANAGE_USERS"  # invite, change roles, deactivate (own organisation; supplier: all)
    MANAGE_SERVICES = "MANAGE_SERVICES"  # provider profile, offices, services (own; supplier: all)
    APPROVE_SERVICES = "APPROVE_SERVICES"
    MANAGE_FUNDS = "MANAGE_FUNDS"
    VIEW_AUDIT_LOG = "VIEW_AUDIT_LOG"


def permissions_of(viewer: Viewer) -> list[Permission]:
    """What the viewer may administer (`Viewer.permissions`), in the enum's order."""
    if viewer.is_supplier:
        return list(Permission) if viewer.is_admin else [Permission.VIEW_AUDIT_LOG]
    if not viewer.is_admin:
        return []
    if viewer.is_provider:
        return [Permission.MANAGE_USERS, Permission.MANAGE_SERVICES]
    return [Permission.MANAGE_USERS]


def require(viewer: Viewer, permission: Permission) -> None:
    """FORBIDDEN unless the viewer holds `permission` (for anything of its portal)."""
    if permission not in permissions_of(viewer):
        raise DomainError(ErrorCode.FORBIDDEN, f"you need the {permission} permission to do this")


def require_for(
    viewer: Viewer, permission: Permission, org: Organization | None, what: str, field: list[str] | None
) -> Organization:
    """`org`, when the viewer may exercise `permission` on it: a supplier ADMIN on any
    organisation of its portal, another ADMIN on its own. Another portal's organisation, or
    one the viewer may not see, is NOT_FOUND; one it sees but may not administer, FORBIDDEN."""
    if org is None or not can_see_organization(viewer, org):
        raise not_found(what, field)
    if viewer.is_supplier and viewer.is_admin:
        return org
    if org.id != viewer.organization_id:
        raise DomainError(ErrorCode.FORBIDDEN, "you may administer only your own organisation", field)
    require(viewer, permission)
    return org
