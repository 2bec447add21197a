"""Who is asking: the signed-in user with their organisation and portal."""

from __future__ import annotations

from dataclasses import dataclass

from models import OrganizationKind, UserRole

# Read once: an enum member looked up on its class costs a microsecond, and these are asked for
# by several fields of every order of a page.
_PARTNER, _PROVIDER, _SUPPLIER = OrganizationKind.PARTNER, OrganizationKind.PROVIDER, OrganizationKind.SUPPLIER


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    email: str
    name: str
    organization_id: int
    organization_kind: OrganizationKind
    portal_id: int
    role: UserRole = UserRole.MEMBER

    @property
    def is_admin(self) -> bool:
        """An ADMIN of its organisation (the supplier's ADMINs administer the whole portal)."""
        return self.role is UserRole.ADMIN

    @property
    def is_partner(self) -> bool:
        return self.organization_kind is _PARTNER

    @property
    def is_provider(self) -> bool:
        return self.organization_kind is _PROVIDER

    @property
    def is_supplier(self) -> bool:
        return self.organization_kind is _SUPPLIER
