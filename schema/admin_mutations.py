"""Administration mutations: portal settings, organisations, users, MDF funds.

Each is recorded in the admin audit log (`auditLog`); a refused one changes and logs nothing.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.mutations import admin_funds, admin_portal
from schema import admin_inputs as i
from schema import admin_payloads as p
from schema.common import user_errors

INPUT = "What to do (see the input type's fields)."


@strawberry.type
class AdminMutations:
    @strawberry.mutation(description="A supplier ADMIN changes the portal's settings (only those given).")
    async def update_portal_settings(
        self, info: Info, input: Annotated[i.UpdatePortalSettingsInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdatePortalSettingsPayload:
        portal, errors = await admin_portal.update_portal_settings(info, input)
        return p.UpdatePortalSettingsPayload(portal=portal, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN adds a partner or provider organisation.")
    async def create_organization(
        self, info: Info, input: Annotated[i.CreateOrganizationInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateOrganizationPayload:
        org, errors = await admin_portal.create_organization(info, input)
        return p.CreateOrganizationPayload(organization=org, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "A supplier ADMIN deactivates an organisation: its users lose access at once. A provider with "
            "work in progress needs `force: true`."
        )
    )
    async def deactivate_organization(
        self, info: Info, input: Annotated[i.DeactivateOrganizationInput, strawberry.argument(description=INPUT)]
    ) -> p.DeactivateOrganizationPayload:
        org, errors = await admin_portal.set_organization_active(info, input, False)
        return p.DeactivateOrganizationPayload(organization=org, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN reactivates an organisation.")
    async def reactivate_organization(
        self, info: Info, input: Annotated[i.ReactivateOrganizationInput, strawberry.argument(description=INPUT)]
    ) -> p.ReactivateOrganizationPayload:
        org, errors = await admin_portal.set_organization_active(info, input, True)
        return p.ReactivateOrganizationPayload(organization=org, errors=user_errors(errors))

    @strawberry.mutation(description="An ADMIN adds a user to its organisation (a supplier ADMIN: to any).")
    async def invite_user(
        self, info: Info, input: Annotated[i.InviteUserInput, strawberry.argument(description=INPUT)]
    ) -> p.InviteUserPayload:
        user, errors = await admin_portal.invite_user(info, input)
        return p.InviteUserPayload(user=user, errors=user_errors(errors))

    @strawberry.mutation(description="An ADMIN changes the role of a user it manages.")
    async def update_user_role(
        self, info: Info, input: Annotated[i.UpdateUserRoleInput, strawberry.argument(description=INPUT)]
    ) -> p.UpdateUserRolePayload:
        user, errors = await admin_portal.update_user_role(info, input)
        return p.UpdateUserRolePayload(user=user, errors=user_errors(errors))

    @strawberry.mutation(description="An ADMIN deactivates a user it manages: its access ends at once.")
    async def deactivate_user(
        self, info: Info, input: Annotated[i.DeactivateUserInput, strawberry.argument(description=INPUT)]
    ) -> p.DeactivateUserPayload:
        user, errors = await admin_portal.deactivate_user(info, input)
        return p.DeactivateUserPayload(user=user, errors=user_errors(errors))

    @strawberry.mutation(description="A supplier ADMIN allocates a new MDF fund to a partner.")
    async def create_mdf_fund(
        self, info: Info, input: Annotated[i.CreateMdfFundInput, strawberry.argument(description=INPUT)]
    ) -> p.CreateMdfFundPayload:
        fund, errors = await admin_funds.create_mdf_fund(info, input)
        return p.CreateMdfFundPayload(fund=fund, errors=user_errors(errors))

    @strawberry.mutation(
        description="A supplier ADMIN changes a fund's allocation (never below what orders hold and spent)."
    )
    async def adjust_mdf_fund(
        self, info: Info, input: Annotated[i.AdjustMdfFundInput, strawberry.argument(description=INPUT)]
    ) -> p.AdjustMdfFundPayload:
        fund, errors = await admin_funds.adjust_mdf_fund(info, input)
        return p.AdjustMdfFundPayload(fund=fund, errors=user_errors(errors))
