"""GraphQL enums: the models' enums, exposed as they are (UPPER_SNAKE_CASE)."""

from __future__ import annotations

import enum

import strawberry

from domain.transitions import OrderAction as _OrderAction
from models import (
    LeadStatus as _LeadStatus,
)
from models import (
    OrderField as _OrderField,
)
from models import (
    OrderOrigin as _OrderOrigin,
)
from models import (
    OrderStatus as _OrderStatus,
)
from models import (
    OrganizationKind as _OrganizationKind,
)
from models import (
    PaymentMethod as _PaymentMethod,
)
from models import (
    PricingModel as _PricingModel,
)
from models import (
    QuoteStatus as _QuoteStatus,
)

OrganizationKind = strawberry.enum(_OrganizationKind)
PricingModel = strawberry.enum(_PricingModel)
OrderStatus = strawberry.enum(_OrderStatus)
OrderOrigin = strawberry.enum(_OrderOrigin)
PaymentMethod = strawberry.enum(_PaymentMethod)
QuoteStatus = strawberry.enum(_QuoteStatus)
LeadStatus = strawberry.enum(_LeadStatus)
OrderAction = strawberry.enum(_OrderAction)
OrderField = strawberry.enum(_OrderField, description="A part of an order edited after submission.")


@strawberry.enum(description="How much of an order the viewer sees.")
class OrderView(enum.Enum):
    FULL = strawberry.enum_value(
        "FULL", description="The whole order (its partner, the supplier, the assigned provider)."
    )
    QUOTE_REQUEST = strawberry.enum_value(
        "QUOTE_REQUEST",
        description=(
            "A provider asked to quote, while quotes are collected: the request and its own quotes, "
            "not the contacts, fund or other providers' quotes."
        ),
    )
