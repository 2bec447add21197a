"""MDF funds, with amounts derived from their ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from resolvers.admin_reads import resolve_ledger
from schema.admin_types import MdfLedgerEntry
from schema.portal import Partner


@strawberry.type(description="Market development funds allocated by the supplier to a partner.")
class MdfFund(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The fund's name (`2026 Q4 MDF`).")
    currency: str = strawberry.field(description="ISO 4217 currency of its amounts; orders it pays are in it too.")
    valid_from: date = strawberry.field(description="First day orders may draw on it.")
    valid_to: date = strawberry.field(description="Last day orders may draw on it.")

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.MdfFund | MdfFund)

    @strawberry.field(description="The partner organisation it was allocated to.")
    async def partner(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Partner:
        return await info.context.loaders.organization.load(root.partner_id)

    @strawberry.field(description="Everything the supplier put in the fund (a decimal string, in `currency`).")
    async def allocated(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).allocated

    @strawberry.field(description="Held by approved orders not yet completed (a decimal string, in `currency`).")
    async def reserved(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).reserved

    @strawberry.field(
        description="Asked for by MDF claims waiting for the supplier, part of `reserved` (a decimal string)."
    )
    async def claimed(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).claimed

    @strawberry.field(description="Spent by completed orders (a decimal string, in `currency`).")
    async def spent(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).spent

    @strawberry.field(
        description="What new orders can still draw: allocated - reserved - spent (a decimal string, in `currency`)."
    )
    async def available(self, root: strawberry.Parent[models.MdfFund], info: Info) -> Decimal:
        return (await info.context.loaders.fund_balance.load(root.id)).available

    @strawberry.field(description="The fund's ledger, newest first (at most 100 entries; default 50).")
    async def ledger(
        self,
        root: strawberry.Parent[models.MdfFund],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many entries, newest first (0-100).")] = 50,
    ) -> list[MdfLedgerEntry]:
        return await resolve_ledger(info, root.id, first)
