"""MDF funds, with amounts derived from their ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from schema.portal import Partner


@strawberry.type(description="Market development funds allocated by the supplier to a partner.")
class MdfFund(relay.Node):
    id: relay.NodeID[int]
    name: str
    currency: str
    valid_from: date
    valid_to: date

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.MdfFund | MdfFund)

    @strawberry.field
    async def partner(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Partner:
        return await info.context.loaders.organization.load(root.partner_id)

    @strawberry.field(description="Everything the supplier put in the fund.")
    async def allocated(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).allocated

    @strawberry.field(description="Held by approved orders not yet completed.")
    async def reserved(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).reserved

    @strawberry.field(description="Asked for by MDF claims waiting for the supplier (part of `reserved`).")
    async def claimed(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).claimed

    @strawberry.field(description="Spent by completed orders.")
    async def spent(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).spent

    @strawberry.field(description="What new orders can still draw: allocated - reserved - spent.")
    async def available(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).available
