"""Filter and sort inputs of the list queries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import orders
from schema.common import SortDirection, described_enum
from schema.enums import OrderOrigin, OrderStatus, PaymentMethod, PricingModel

IDS = "At most 100 ids; an id that names nothing you see matches nothing."


@strawberry.input(description="Narrows the Marketplace (`services`); every condition given must hold.")
class ServiceFilter:
    search: str | None = strawberry.field(
        default=None, description="Text found in the service's name or description (at most 200 characters)."
    )
    provider_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Services of these providers. {IDS}"
    )
    activity_type_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Services of these activity types. {IDS}"
    )
    pricing_model: PricingModel | None = strawberry.field(default=None, description="Only services priced so.")


@strawberry.input(description="A circle on the map: providers with an office inside it.")
class NearInput:
    latitude: float = strawberry.field(description="The centre's latitude in degrees, -90 to 90.")
    longitude: float = strawberry.field(description="The centre's longitude in degrees, -180 to 180.")
    radius_km: float = strawberry.field(description="The radius in kilometres: above 0, at most 20,000.")


@strawberry.input(description="Narrows the Provider Locator (`providers`); every condition given must hold.")
class ProviderFilter:
    search: str | None = strawberry.field(
        default=None, description="Text found in the provider's name or description (at most 200 characters)."
    )
    activity_type_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Providers offering services of these activity types. {IDS}"
    )
    near: NearInput | None = strawberry.field(
        default=None, description="Providers with an office in this circle, nearest first (`Provider.distanceKm`)."
    )


@strawberry.input(description="A time range; either end may be open.")
class DateTimeRange:
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="From this time on, included; UTC when no offset is given."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Before this time, excluded; UTC when no offset is given."
    )


@strawberry.input(description="Narrows a list of orders; every condition given must hold.")
class OrderFilter:
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Keywords over the order's name and description and its service's, partner's and provider's "
            "names (a provider's search leaves providers' names out); at most 200 characters."
        ),
    )
    provider_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description=(
            "Orders assigned to these providers, and quote requests they are asked to quote on (for a "
            f"provider: only its own). {IDS}"
        ),
    )
    statuses: list[OrderStatus] | None = strawberry.field(
        default=None,
        description="Orders in these statuses. Without it, every status (a provider's list leaves ARCHIVED out).",
    )
    activity_type_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Orders for services of these activity types. {IDS}"
    )
    payment_methods: list[PaymentMethod] | None = strawberry.field(
        default=None, description="Orders paid in one of these ways."
    )
    origins: list[OrderOrigin] | None = strawberry.field(default=None, description="Orders placed from these origins.")
    submitted: DateTimeRange | None = strawberry.field(default=None, description="Orders submitted in this range.")
    last_activity: DateTimeRange | None = strawberry.field(
        default=None, description="Orders whose `lastActivityAt` is in this range."
    )


OrderSortField = described_enum(
    orders.OrderSortField,
    "What a list of orders is sorted by (ties broken by the order's id).",
    {
        "SUBMITTED_AT": "When the order was submitted.",
        "LAST_ACTIVITY_AT": "When the order last changed (`Order.lastActivityAt`).",
        "ESTIMATED_COMPLETION_ON": "The estimated completion date (orders without one last).",
    },
)


@strawberry.input(description="How to sort a list of orders.")
class OrderOrder:
    field: OrderSortField = strawberry.field(default=OrderSortField.SUBMITTED_AT, description="The sort key.")
    direction: SortDirection = strawberry.field(default=SortDirection.DESC, description="The direction.")
