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


@strawberry.type(description="A partner portal: one supplier's, with its features switched on or off.")
class PortalFeatures:
    marketplace: bool
    provider_locator: bool
    mdf: bool


@strawberry.type
class Portal(relay.Node):
    id: relay.NodeID[int]
    name: str
    currency: str

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.Portal | Portal)

    @strawberry.field
    def features(self, root: strawberry.Parent[models.Portal]) -> PortalFeatures:
        return PortalFeatures(
            marketplace=root.marketplace_enabled,
            provider_locator=root.provider_locator_enabled,
            mdf=root.mdf_enabled,
        )


@strawberry.interface(description="A supplier, partner (reseller) or provider (agency).")
class Organization(relay.Node):
    id: relay.NodeID[int]
    name: str
    kind: OrganizationKind
    description: str | None
    website: str | None


@strawberry.type(description="The brand that owns the portal.")
class Supplier(Organization):
    is_type_of = of_kind(models.OrganizationKind.SUPPLIER)


@strawberry.type(description="A reseller organisation whose users place orders.")
class Partner(Organization):
    is_type_of = of_kind(models.OrganizationKind.PARTNER)


@strawberry.type
class User(relay.Node):
    id: relay.NodeID[int]
    name: str
    email: str

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.User | User)

    @strawberry.field
    async def organization(self, root: strawberry.Parent[models.User], info: Info) -> Organization:
        return await info.context.loaders.organization.load(root.organization_id)
