"""The portal, its organisations and users, and the viewer."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from models.snapshots import is_model
from resolvers.admin_reads import resolve_users
from schema.common import checks_read, reads
from schema.enums import OrganizationKind, UserRole
from schema.fast_path import info_unused


def of_kind(kind: models.OrganizationKind):
    """`is_type_of` of the organizations of one kind."""

    @info_unused
    @checks_read("kind")
    def is_type_of(cls, obj, _info) -> bool:
        return is_model(obj, models.Organization) and obj.kind is kind

    return classmethod(is_type_of)


@strawberry.type(description="The portal's optional features, each switched on or off by its supplier.")
class PortalFeatures:
    marketplace: bool = strawberry.field(
        description="Whether partners may order from the Marketplace (`services`, origin MARKETPLACE)."
    )
    provider_locator: bool = strawberry.field(
        description="Whether partners may find providers and order from the Provider Locator (origin PROVIDER_LOCATOR)."
    )
    mdf: bool = strawberry.field(description="Whether orders may be paid from MDF funds (payment method MDF).")


@strawberry.type(description="How the supplier set up its portal; every member reads it.")
class PortalSettings:
    marketplace_enabled: bool = strawberry.field(description="Partners order from the Marketplace (`services`).")
    provider_locator_enabled: bool = strawberry.field(description="Partners find providers (`providers`).")
    mdf_enabled: bool = strawberry.field(description="Orders may be paid from MDF funds.")
    orders_page_label: str = strawberry.field(description="What the portal calls its orders page.")
    default_currency: str = strawberry.field(description="The currency of new services and funds.")
    deliverables_required: bool = strawberry.field(description="An order completes only with a deliverable.")
    mdf_claims_required: bool = strawberry.field(description="MDF is spent only on an approved claim.")
    claim_deadline_days: int = strawberry.field(description="Days after completion to (re)file a claim.")
    service_approval_required: bool = strawberry.field(
        description="A provider's new service is listed once a supplier ADMIN approves it."
    )


def portal_settings(portal: models.Portal) -> PortalSettings:
    return PortalSettings(
        marketplace_enabled=portal.marketplace_enabled,
        provider_locator_enabled=portal.provider_locator_enabled,
        mdf_enabled=portal.mdf_enabled,
        orders_page_label=portal.orders_page_label,
        default_currency=portal.currency,
        deliverables_required=portal.deliverables_required,
        mdf_claims_required=portal.mdf_claims_required,
        claim_deadline_days=portal.claim_deadline_days,
        service_approval_required=portal.service_approval_required,
    )


@strawberry.type(description="A supplier's partner portal: everything a user sees lives in one portal.")
class Portal(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The portal's name.")
    currency: str = strawberry.field(description="Its default currency, ISO 4217 (`USD`).")

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.Portal | Portal)

    @strawberry.field(description="Which of its optional features are switched on.")
    def features(self, root: strawberry.Parent[models.Portal]) -> PortalFeatures:
        return PortalFeatures(
            marketplace=root.marketplace_enabled,
            provider_locator=root.provider_locator_enabled,
            mdf=root.mdf_enabled,
        )

    @strawberry.field(description="The supplier's settings: feature switches, the orders page's label, ...")
    def settings(self, root: strawberry.Parent[models.Portal]) -> PortalSettings:
        return portal_settings(root)


@strawberry.interface(description="A supplier, partner (reseller) or provider (agency).")
class Organization(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The organisation's name.")
    kind: OrganizationKind = strawberry.field(description="Supplier, partner or provider.")
    description: str | None = strawberry.field(description="What it says about itself (plain text).")
    website: str | None = strawberry.field(description="Its website's address (URL), if given.")
    is_active: bool = strawberry.field(
        name="active", description="False once deactivated: its users are signed out and refused."
    )


async def _users(
    root: strawberry.Parent[models.Organization],
    info: Info,
    first: Annotated[int, strawberry.argument(description="How many (0-100).")] = 50,
) -> list[Annotated[User, strawberry.lazy("schema.portal")]]:
    return await resolve_users(info, root.id, first)


def users_field() -> Any:
    """`users` of each kind of organisation (on the types: `is_type_of` picks the rows)."""
    return strawberry.field(
        resolver=_users,
        description="Its users, oldest first (the supplier's users and the organisation's own see them; others none).",
        metadata=reads("id"),
    )


@strawberry.type(description="The brand that owns the portal.")
class Supplier(Organization):
    is_type_of = of_kind(models.OrganizationKind.SUPPLIER)
    users = users_field()


@strawberry.type(description="A reseller organisation whose users place orders.")
class Partner(Organization):
    is_type_of = of_kind(models.OrganizationKind.PARTNER)
    users = users_field()


@strawberry.type(description="A person who signs in; they belong to exactly one organisation.")
class User(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Their full name.")
    email: str = strawberry.field(description="Their e-mail address (what they sign in as).")
    role: UserRole = strawberry.field(description="ADMIN or MEMBER of its organisation.")
    is_active: bool = strawberry.field(name="active", description="False once deactivated.")

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.User | User)

    @strawberry.field(description="The organisation they belong to.")
    async def organization(self, root: strawberry.Parent[models.User], info: Info) -> Organization:
        return await info.context.loaders.organization.load(root.organization_id)
