"""createMdfFund, adjustMdfFund."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.admin import funds
from domain.admin.checks import f
from domain.errors import DomainError
from domain.ids import decode_id
from models import MdfFund
from resolvers.mutations.runner import run_mutation

Result = tuple[Any, list[DomainError]]


async def create_mdf_fund(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> MdfFund:
        partner_id = decode_id(input.partner_id, "Partner", field=f("partnerId"))
        return await funds.create_mdf_fund(
            uow, viewer, partner_id, input.name, input.currency, input.allocated, input.starts_on, input.ends_on
        )

    return await run_mutation(info, act)


async def adjust_mdf_fund(info: Info, input: Any) -> Result:
    async def act(uow, viewer) -> MdfFund:
        fund_id = decode_id(input.fund_id, "MdfFund", field=f("fundId"))
        return await funds.adjust_mdf_fund(uow, viewer, fund_id, input.allocated_delta, input.reason)

    return await run_mutation(info, act)
