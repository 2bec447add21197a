"""The portal, its organisations and users, and the viewer."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from models.snapshots import is_model
from schema.common import checks_read
from schema.enums import OrganizationKind
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


@strawberry.interface(description="A supplier, partner (reseller) or provider (agency).")
class Organization(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The organisation's name.")
    kind: OrganizationKind = strawberry.field(description="Supplier, partner or provider.")
    description: str | None = strawberry.field(description="What it says about itself (plain text).")
    website: str | None = strawberry.field(description="Its website's address (URL), if given.")


@strawberry.type(description="The brand that owns the portal.")
class Supplier(Organization):
    is_type_of = of_kind(models.OrganizationKind.SUPPLIER)


@strawberry.type(description="A reseller organisation whose users place orders.")
class Partner(Organization):
    is_type_of = of_kind(models.OrganizationKind.PARTNER)


@strawberry.type(description="A person who signs in; they belong to exactly one organisation.")
class User(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Their full name.")
    email: str = strawberry.field(description="Their e-mail address (what they sign in as).")

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.User | User)

    @strawberry.field(description="The organisation they belong to.")
    async def organization(self, root: strawberry.Parent[models.User], info: Info) -> Organization:
        return await info.context.loaders.organization.load(root.organization_id)
