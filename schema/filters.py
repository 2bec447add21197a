"""Filter and sort inputs of the list queries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import orders
from schema.common import SortDirection
from schema.enums import OrderOrigin, OrderStatus, PaymentMethod, PricingModel


@strawberry.input
class ServiceFilter:
    search: str | None = None
    provider_ids: list[strawberry.ID] | None = None
    activity_type_ids: list[strawberry.ID] | None = None
    pricing_model: PricingModel | None = None


@strawberry.input(description="A circle on the map: providers with an office inside it.")
class NearInput:
    latitude: float
    longitude: float
    radius_km: float


@strawberry.input
class ProviderFilter:
    search: str | None = None
    activity_type_ids: list[strawberry.ID] | None = None
    near: NearInput | None = None


@strawberry.input(description="A time range; either end may be open.")
class DateTimeRange:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.input
class OrderFilter:
    search: str | None = strawberry.field(
        default=None, description="Keywords over order name, description, provider and service names."
    )
    provider_ids: list[strawberry.ID] | None = None
    statuses: list[OrderStatus] | None = None
    activity_type_ids: list[strawberry.ID] | None = None
    payment_methods: list[PaymentMethod] | None = None
    origins: list[OrderOrigin] | None = None
    submitted: DateTimeRange | None = None
    last_activity: DateTimeRange | None = None


OrderSortField = strawberry.enum(orders.OrderSortField)


@strawberry.input
class OrderOrder:
    field: OrderSortField = OrderSortField.SUBMITTED_AT
    direction: SortDirection = SortDirection.DESC
