"""addLeads, updateLead."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain import leads
from domain.errors import DomainError
from domain.ids import decode_id
from domain.validation import capped_list
from models import Lead, Order
from resolvers.mutations.runner import run_mutation

ORDER_ID = ["input", "orderId"]


async def resolve_add_leads(
    info: Info, input: Any
) -> tuple[tuple[Order, list[Lead], list[leads.SkippedLead]] | None, list[DomainError]]:
    """(order, the leads added, the ones skipped as duplicates)."""

    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        capped_list(input.leads, ["input", "leads"], minimum=1, maximum=leads.MAX_LEADS, what="leads")
        data = [leads.LeadData(name=i.name, email=i.email, company=i.company, phone=i.phone) for i in input.leads]
        return await leads.add_leads(uow, viewer, order_id, data, info.context.settings.max_leads_per_order)

    return await run_mutation(info, act)


async def resolve_update_lead(info: Info, input: Any) -> tuple[tuple[Order, Lead] | None, list[DomainError]]:
    async def act(uow, viewer):
        lead_id = decode_id(input.lead_id, "Lead", field=["input", "leadId"])
        return await leads.update_lead(uow.session, viewer, lead_id, input.status)

    return await run_mutation(info, act)
