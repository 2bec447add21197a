"""submitOrder."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.errors import DomainError
from domain.ids import decode_id
from domain.ordering import ContactData, NewOrder, submit_order
from domain.validation import capped_list
from models import Order
from resolvers.mutations.runner import run_mutation


async def resolve_submit_order(info: Info, input: Any) -> tuple[Order | None, list[DomainError]]:
    async def act(uow, viewer):
        provider_ids = None
        if input.provider_ids is not None:
            capped_list(input.provider_ids, ["input", "providerIds"], maximum=100, what="providers")
            provider_ids = [
                decode_id(v, "Provider", field=["input", "providerIds", str(i)])
                for i, v in enumerate(input.provider_ids)
            ]
        data = NewOrder(
            service_id=decode_id(input.service_id, "Service", field=["input", "serviceId"]),
            name=input.name,
            origin=input.origin,
            payment_method=input.payment_method,
            description=input.description,
            campaign_activity_id=(
                None
                if input.campaign_activity_id is None
                else decode_id(input.campaign_activity_id, "CampaignActivity", field=["input", "campaignActivityId"])
            ),
            provider_ids=provider_ids,
            mdf_fund_id=(
                None
                if input.mdf_fund_id is None
                else decode_id(input.mdf_fund_id, "MdfFund", field=["input", "mdfFundId"])
            ),
            contacts=[
                ContactData(name=c.name, email=c.email, phone=c.phone, role=c.role) for c in input.contacts or []
            ],
            notification_recipients=list(input.notification_recipients or []),
        )
        return await submit_order(uow, viewer, data)

    return await run_mutation(info, act)
