"""The order workflow mutations (DOMAIN.md's transition table, quotes, comments, leads).

Every mutation takes one `input` and returns a payload with the order (null when refused),
the object it made and `errors`; a refused mutation changes nothing.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.transitions import OrderAction as A
from resolvers.mutations import comments, leads, quotes, submit_order
from resolvers.mutations.transitions import run_transition
from schema import order_inputs as i
from schema import order_payloads as p


# Named Mutation so that the root keeps its name while it is the only mutation class (see schema.api).
@strawberry.type(name="Mutation")
class OrderMutations:
    @strawberry.mutation(
        description="A partner orders a service (from a campaign activity, the Marketplace or the Provider Locator)."
    )
    async def submit_order(self, info: Info, input: i.SubmitOrderInput) -> p.SubmitOrderPayload:
        return await submit_order.resolve_submit_order(info, input)

    @strawberry.mutation(description="An invited provider quotes (a second quote supersedes its first).")
    async def submit_quote(self, info: Info, input: i.SubmitQuoteInput) -> p.SubmitQuotePayload:
        return await quotes.resolve_submit_quote(info, input)

    @strawberry.mutation(
        description="An invited provider declines; the order is cancelled once every provider asked declined."
    )
    async def decline_to_quote(self, info: Info, input: i.DeclineToQuoteInput) -> p.DeclineToQuotePayload:
        return await quotes.resolve_decline_to_quote(info, input)

    @strawberry.mutation(description="The partner accepts a current quote: the order is APPROVED and its MDF reserved.")
    async def accept_quote(self, info: Info, input: i.AcceptQuoteInput) -> p.AcceptQuotePayload:
        return await quotes.resolve_accept_quote(info, input)

    @strawberry.mutation(description="The supplier approves a fixed-price order (reserving its MDF).")
    async def approve_order(self, info: Info, input: i.ApproveOrderInput) -> p.ApproveOrderPayload:
        return await run_transition(info, A.APPROVE_ORDER, input.order_id, p.ApproveOrderPayload)

    @strawberry.mutation(description="The supplier rejects an order waiting for approval.")
    async def reject_order(self, info: Info, input: i.RejectOrderInput) -> p.RejectOrderPayload:
        return await run_transition(info, A.REJECT_ORDER, input.order_id, p.RejectOrderPayload, reason=input.reason)

    @strawberry.mutation(description="The assigned provider takes on an approved order.")
    async def accept_order(self, info: Info, input: i.AcceptOrderInput) -> p.AcceptOrderPayload:
        return await run_transition(info, A.ACCEPT_ORDER, input.order_id, p.AcceptOrderPayload)

    @strawberry.mutation(description="The assigned provider turns down an approved order (its MDF is released).")
    async def deny_order(self, info: Info, input: i.DenyOrderInput) -> p.DenyOrderPayload:
        return await run_transition(info, A.DENY_ORDER, input.order_id, p.DenyOrderPayload, reason=input.reason)

    @strawberry.mutation
    async def start_work(self, info: Info, input: i.StartWorkInput) -> p.StartWorkPayload:
        return await run_transition(info, A.START_WORK, input.order_id, p.StartWorkPayload)

    @strawberry.mutation(description="The provider waits for the partner (message required).")
    async def request_partner_input(
        self, info: Info, input: i.RequestPartnerInputInput
    ) -> p.RequestPartnerInputPayload:
        return await run_transition(
            info, A.REQUEST_PARTNER_INPUT, input.order_id, p.RequestPartnerInputPayload, reason=input.message
        )

    @strawberry.mutation(description="The partner answers the provider (message required); work resumes.")
    async def provide_input(self, info: Info, input: i.ProvideInputInput) -> p.ProvideInputPayload:
        return await run_transition(info, A.PROVIDE_INPUT, input.order_id, p.ProvideInputPayload, reason=input.message)

    @strawberry.mutation(description="The provider resumes work without waiting any longer.")
    async def resume_work(self, info: Info, input: i.ResumeWorkInput) -> p.ResumeWorkPayload:
        return await run_transition(info, A.RESUME_WORK, input.order_id, p.ResumeWorkPayload)

    @strawberry.mutation
    async def schedule_execution(self, info: Info, input: i.ScheduleExecutionInput) -> p.ScheduleExecutionPayload:
        return await run_transition(
            info, A.SCHEDULE_EXECUTION, input.order_id, p.ScheduleExecutionPayload, scheduled_for=input.scheduled_for
        )

    @strawberry.mutation
    async def start_execution(self, info: Info, input: i.StartExecutionInput) -> p.StartExecutionPayload:
        return await run_transition(info, A.START_EXECUTION, input.order_id, p.StartExecutionPayload)

    @strawberry.mutation(description="The provider completes the order (its MDF reservation becomes spend).")
    async def complete_order(self, info: Info, input: i.CompleteOrderInput) -> p.CompleteOrderPayload:
        return await run_transition(info, A.COMPLETE_ORDER, input.order_id, p.CompleteOrderPayload)

    @strawberry.mutation(description="Cancel before work starts (reason required; MDF released).")
    async def cancel_order(self, info: Info, input: i.CancelOrderInput) -> p.CancelOrderPayload:
        return await run_transition(info, A.CANCEL_ORDER, input.order_id, p.CancelOrderPayload, reason=input.reason)

    @strawberry.mutation(
        description="The provider archives a finished order (it leaves the default Manage Orders list)."
    )
    async def archive_order(self, info: Info, input: i.ArchiveOrderInput) -> p.ArchiveOrderPayload:
        return await run_transition(info, A.ARCHIVE_ORDER, input.order_id, p.ArchiveOrderPayload)

    @strawberry.mutation(description="Comment on an order you see whole (1 to 10,000 characters).")
    async def add_comment(self, info: Info, input: i.AddCommentInput) -> p.AddCommentPayload:
        return await comments.resolve_add_comment(info, input)

    @strawberry.mutation(
        description="The assigned provider records up to 1,000 leads; duplicates by e-mail are skipped."
    )
    async def add_leads(self, info: Info, input: i.AddLeadsInput) -> p.AddLeadsPayload:
        return await leads.resolve_add_leads(info, input)

    @strawberry.mutation(description="The partner (or supplier) records how working a lead went.")
    async def update_lead(self, info: Info, input: i.UpdateLeadInput) -> p.UpdateLeadPayload:
        return await leads.resolve_update_lead(info, input)
