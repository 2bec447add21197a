"""What providers offer: activity types, services, offices, campaigns."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from domain import access
from schema.common import Money, money, of_model, reads
from schema.enums import PricingModel
from schema.portal import Organization, of_kind, users_field


@strawberry.type(description="A kind of marketing activity of the portal (SEO, Social Media, ...).")
class ActivityType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Its name, unique in the portal (`SEO`, `Social Media`).")
    is_type_of = of_model(models.ActivityType)


@strawberry.type(description="Where a provider works from (the Provider Locator searches by it).")
class ProviderOffice:
    name: str = strawberry.field(description="The office's name.")
    city: str | None = strawberry.field(description="Its city, if known.")
    country: str | None = strawberry.field(description="Its country, if known.")
    latitude: float = strawberry.field(description="Latitude in degrees (WGS 84).")
    longitude: float = strawberry.field(description="Longitude in degrees (WGS 84).")


@strawberry.enum(description="Where a service stands in the catalogue.")
class ServiceStatus(enum.Enum):
    LISTED = strawberry.enum_value("LISTED", description="In the Marketplace; partners order it.")
    AWAITING_APPROVAL = strawberry.enum_value(
        "AWAITING_APPROVAL", description="Listed once a supplier ADMIN approves it (approveService)."
    )
    RETIRED = strawberry.enum_value("RETIRED", description="Out of the Marketplace; its orders keep it.")


@strawberry.type(description="An offering of one provider: a fixed price or a quote on request.")
class Service(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The service's name.")
    description: str | None = strawberry.field(description="What the provider offers, as it wrote it (plain text).")
    pricing_model: PricingModel = strawberry.field(description="A fixed price, or a quote per order.")
    is_type_of = of_model(models.Service)

    @strawberry.field(description="The fixed price; null for QUOTE services.", metadata=reads("price", "currency"))
    def price(self, root: strawberry.Parent[models.Service]) -> Money | None:
        return money(root.price, root.currency)

    @strawberry.field(description="Listed, awaiting approval or retired.", metadata=reads("approved", "retired_at"))
    def status(self, root: strawberry.Parent[models.Service]) -> ServiceStatus:
        if root.retired_at is not None:
            return ServiceStatus.RETIRED
        return ServiceStatus.LISTED if root.approved else ServiceStatus.AWAITING_APPROVAL

    @strawberry.field(description="The currency of its price and of its orders.", metadata=reads("currency"))
    def currency(self, root: strawberry.Parent[models.Service]) -> str:
        return root.currency

    @strawberry.field(description="The provider offering it.", metadata=reads("provider_id"))
    async def provider(self, root: strawberry.Parent[models.Service], info: Info) -> Provider:
        return await info.context.loaders.organization.load(root.provider_id)

    @strawberry.field(description="The kind of marketing activity it is.", metadata=reads("activity_type_id"))
    async def activity_type(self, root: strawberry.Parent[models.Service], info: Info) -> ActivityType:
        return await info.context.loaders.activity_type.load(root.activity_type_id)


@strawberry.type(description="An activity of a campaign; with a service, a Full Service Activity.")
class CampaignActivity(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The activity's name.")
    is_type_of = of_model(models.CampaignActivity)

    @strawberry.field(description="The provider's service that fulfils it (Full Service Activity).")
    async def service(self, root: strawberry.Parent[models.CampaignActivity], info: Info) -> Service | None:
        return None if root.service_id is None else await info.context.loaders.service.load(root.service_id)

    @strawberry.field(description="The campaign it belongs to.")
    async def campaign(
        self, root: strawberry.Parent[models.CampaignActivity], info: Info
    ) -> Annotated[Campaign, strawberry.lazy("schema.catalog")]:
        return await info.context.loaders.campaign.load(root.campaign_id)


@strawberry.type(description="A marketing campaign of the portal, run by the supplier, with its activities.")
class Campaign(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The campaign's name.")
    description: str | None = strawberry.field(description="What the campaign is about (plain text).")
    is_type_of = of_model(models.Campaign)

    @strawberry.field(description="Its activities; those with a `service` can be ordered (origin CAMPAIGN_ACTIVITY).")
    async def activities(self, root: strawberry.Parent[models.Campaign], info: Info) -> list[CampaignActivity]:
        activities = await info.context.loaders.activities_by_campaign.load(root.id)
        return [a for a in activities if a.retired_at is None]


# Here rather than in schema.portal with the other organisations: it and the catalog's types
# refer to each other.
@strawberry.type(description="A marketing agency offering services.")
class Provider(Organization):
    is_type_of = of_kind(models.OrganizationKind.PROVIDER)
    users = users_field()

    @strawberry.field(description="The services it offers, by name.", metadata=reads("id"))
    async def services(self, root: strawberry.Parent[models.Organization], info: Info) -> list[Service]:
        viewer = info.context.require_viewer()
        services = await info.context.loaders.services_by_provider.load(root.id)
        return [s for s in services if access.service_listed(viewer, s)]

    @strawberry.field(description="Its offices.", metadata=reads("id"))
    async def offices(self, root: strawberry.Parent[models.Organization], info: Info) -> list[ProviderOffice]:
        return await info.context.loaders.offices_by_provider.load(root.id)

    @strawberry.field(description="Activity types of the services this provider offers.", metadata=reads("id"))
    async def activity_types(self, root: strawberry.Parent[models.Organization], info: Info) -> list[ActivityType]:
        viewer = info.context.require_viewer()
        services = await info.context.loaders.services_by_provider.load(root.id)
        services = [s for s in services if access.service_listed(viewer, s)]
        ids = sorted({s.activity_type_id for s in services})
        return [t for t in await info.context.loaders.activity_type.load_many(ids) if t]

    @strawberry.field(description="Distance in km to the `near` point of a providers search, if any.", metadata=reads())
    def distance_km(self, root: strawberry.Parent[models.Organization]) -> float | None:
        distance = getattr(root, "distance_km", None)
        return None if distance is None else round(distance, 2)
