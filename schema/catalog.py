"""What providers offer: activity types, services, offices, campaigns."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from schema.common import Money, money, of_model, reads
from schema.enums import PricingModel
from schema.portal import Provider


@strawberry.type(description="A kind of marketing activity of the portal (SEO, Social Media, ...).")
class ActivityType(relay.Node):
    id: relay.NodeID[int]
    name: str
    is_type_of = of_model(models.ActivityType)


@strawberry.type
class ProviderOffice:
    name: str
    city: str | None
    country: str | None
    latitude: float
    longitude: float


@strawberry.type(description="An offering of one provider: a fixed price or a quote on request.")
class Service(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str | None
    pricing_model: PricingModel
    is_type_of = of_model(models.Service)

    @strawberry.field(description="The fixed price; null for QUOTE services.", metadata=reads("price", "currency"))
    def price(self, root: strawberry.Parent[models.Service]) -> Money | None:
        return money(root.price, root.currency)

    @strawberry.field(metadata=reads("provider_id"))
    async def provider(self, root: strawberry.Parent[models.Service], info: Info) -> Provider:
        return await info.context.loaders.organization.load(root.provider_id)

    @strawberry.field(metadata=reads("activity_type_id"))
    async def activity_type(self, root: strawberry.Parent[models.Service], info: Info) -> ActivityType:
        return await info.context.loaders.activity_type.load(root.activity_type_id)


@strawberry.type(description="An activity of a campaign; with a service, a Full Service Activity.")
class CampaignActivity(relay.Node):
    id: relay.NodeID[int]
    name: str
    is_type_of = of_model(models.CampaignActivity)

    @strawberry.field(description="The provider's service that fulfils it (Full Service Activity).")
    async def service(self, root: strawberry.Parent[models.CampaignActivity], info: Info) -> Service | None:
        return None if root.service_id is None else await info.context.loaders.service.load(root.service_id)

    @strawberry.field
    async def campaign(
        self, root: strawberry.Parent[models.CampaignActivity], info: Info
    ) -> Annotated[Campaign, strawberry.lazy("schema.catalog")]:
        return await info.context.loaders.campaign.load(root.campaign_id)


@strawberry.type
class Campaign(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str | None
    is_type_of = of_model(models.Campaign)

    @strawberry.field
    async def activities(self, root: strawberry.Parent[models.Campaign], info: Info) -> list[CampaignActivity]:
        return await info.context.loaders.activities_by_campaign.load(root.id)
