"""updatePortalSettings, createOrganization, deactivate/reactivateOrganization, inviteUser,
updateUserRole, deactivateUser."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.admin import organizations, settings, users
from domain.admin.checks import f
from domain.errors import DomainError, not_found
from domain.ids import decode_id
from models import Organization, Portal, User, UserRole
from resolvers.mutations.runner import run_mutation

ORGANIZATIONS = ("Supplier", "Partner", "Provider")
Result = tuple[Any, list[DomainError]]


async def update_portal_settings(info: Info, input: Any) -> Result:
    change = settings.SettingsChange(**{name: getattr(input, name) for name in settings.COLUMNS})

    async def act(uow, viewer) -> Portal:
        return await settings.update_portal_settings(uow, viewer, change)

    return await run_mutation(info, act)


async def create_organization(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> Organization:
        return await organizations.create_organization(uow, viewer, viewer.portal_id, input.kind, input.name)

    return await run_mutation(info, act)


async def set_organization_active(info: Info, input: Any, active: bool) -> Result:
    async def act(uow, viewer) -> Organization:
        org_id = decode_id(input.organization_id, *ORGANIZATIONS, field=f("organizationId"))
        return await organizations.set_organization_active(uow, viewer, org_id, active, force=input.force)

    return await run_mutation(info, act)


async def invite_user(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> User:
        field = f("organizationId")
        org = await uow.session.get(Organization, decode_id(input.organization_id, *ORGANIZATIONS, field=field))
        if org is None:
            raise not_found("organisation", field)
        return await users.invite_user(uow, viewer, org, input.email, input.name, UserRole(input.role.value))

    return await run_mutation(info, act)


async def update_user_role(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> User:
        user_id = decode_id(input.user_id, "User", field=f("userId"))
        return await users.update_user_role(uow, viewer, user_id, UserRole(input.role.value))

    return await run_mutation(info, act)


async def deactivate_user(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> User:
        return await users.deactivate_user(uow, viewer, decode_id(input.user_id, "User", field=f("userId")))

    return await run_mutation(info, act)
