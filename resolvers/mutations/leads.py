"""addLeads, updateLead."""

from __future__ import annotations

from strawberry.types import Info

from domain import leads
from domain.ids import decode_id
from domain.validation import capped_list
from resolvers.mutations.common import ORDER_ID, mutate
from schema.order_inputs import AddLeadsInput, UpdateLeadInput
from schema.order_payloads import AddLeadsPayload, SkippedLead, UpdateLeadPayload


async def resolve_add_leads(info: Info, input: AddLeadsInput) -> AddLeadsPayload:
    async def act(session, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        capped_list(input.leads, ["input", "leads"], minimum=1, maximum=leads.MAX_LEADS, what="leads")
        data = [leads.LeadData(name=i.name, email=i.email, company=i.company, phone=i.phone) for i in input.leads]
        return await leads.add_leads(session, viewer, order_id, data, info.context.settings.max_leads_per_order)

    result, errors = await mutate(info, act)
    if result is None:
        return AddLeadsPayload(errors=errors)
    order, added, skipped = result
    return AddLeadsPayload(
        order=order,
        leads=added,
        skipped_leads=[SkippedLead(index=s.index, email=s.email, reason=s.reason) for s in skipped],
        errors=errors,
    )


async def resolve_update_lead(info: Info, input: UpdateLeadInput) -> UpdateLeadPayload:
    async def act(session, viewer):
        lead_id = decode_id(input.lead_id, "Lead", field=["input", "leadId"])
        return await leads.update_lead(session, viewer, lead_id, input.status)

    result, errors = await mutate(info, act)
    if result is None:
        return UpdateLeadPayload(errors=errors)
    order, lead = result
    return UpdateLeadPayload(order=order, lead=lead, errors=errors)
