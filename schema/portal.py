"""The portal, its organisations and users, and the viewer."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from models.snapshots import is_model
from schema.common import checks_read, reads
from schema.enums import OrganizationKind
from schema.fast_path import info_unused
from schema.notifications import ViewerNotifications

# schema.catalog's types are named lazily below: that module imports this one.


def _is_org_of(kind: models.OrganizationKind):
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
    is_type_of = _is_org_of(models.OrganizationKind.SUPPLIER)


@strawberry.type(description="A reseller organisation whose users place orders.")
class Partner(Organization):
    is_type_of = _is_org_of(models.OrganizationKind.PARTNER)


@strawberry.type(description="A marketing agency offering services.")
class Provider(Organization):
    is_type_of = _is_org_of(models.OrganizationKind.PROVIDER)

    @strawberry.field(metadata=reads("id"))
    async def services(
        self, root: strawberry.Parent[models.Organization], info: Info
    ) -> list[Annotated[Service, strawberry.lazy("schema.catalog")]]:  # noqa: F821
        return await info.context.loaders.services_by_provider.load(root.id)

    @strawberry.field(metadata=reads("id"))
    async def offices(
        self, root: strawberry.Parent[models.Organization], info: Info
    ) -> list[Annotated[ProviderOffice, strawberry.lazy("schema.catalog")]]:  # noqa: F821
        return await info.context.loaders.offices_by_provider.load(root.id)

    @strawberry.field(description="Activity types of the services this provider offers.", metadata=reads("id"))
    async def activity_types(
        self, root: strawberry.Parent[models.Organization], info: Info
    ) -> list[Annotated[ActivityType, strawberry.lazy("schema.catalog")]]:  # noqa: F821
        services = await info.context.loaders.services_by_provider.load(root.id)
        ids = sorted({s.activity_type_id for s in services})
        return [t for t in await info.context.loaders.activity_type.load_many(ids) if t]

    @strawberry.field(description="Distance in km to the `near` point of a providers search, if any.", metadata=reads())
    def distance_km(self, root: strawberry.Parent[models.Organization]) -> float | None:
        distance = getattr(root, "distance_km", None)
        return None if distance is None else round(distance, 2)


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


@strawberry.type(description="Who is signed in.")
class Viewer(ViewerNotifications):
    user: User
    organization: Organization
    portal: Portal
