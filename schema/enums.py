"""GraphQL enums: the models' enums, exposed as they are (UPPER_SNAKE_CASE)."""

from __future__ import annotations

import enum

import strawberry

from domain.transitions import OrderAction as _OrderAction
from models import (
    LeadStatus as _LeadStatus,
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


@strawberry.enum(description="A user's role in its organisation.")
class UserRole(enum.Enum):
    # The values are models.UserRole's, so rows' roles serialise as these.
    ADMIN = strawberry.enum_value("ADMIN", description="Administers its organisation (a supplier's: the portal).")
    MEMBER = strawberry.enum_value("MEMBER", description="Works with orders; administers nothing.")
