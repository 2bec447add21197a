"""The order workflow mutations (DOMAIN.md's transition table, quotes, comments, leads).

Every mutation takes one `input` and returns a payload with the order (null when refused),
the object it made and `errors`; a refused mutation changes nothing.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.transitions import OrderAction as A
from resolvers.mutations import comments, leads, quotes, submit_order
from resolvers.mutations.transitions import resolve_transition
from schema import order_inputs as i
from schema import order_payloads as p
from schema.common import user_errors


# Named Mutation so that the root keeps its name while it is the only mutation class (see schema.api).
@strawberry.type(name="Mutation")
class OrderMutations:
    @strawberry.mutation(
        description="A partner orders a service (from a campaign activity, the Marketplace or the Provider Locator)."
    )
    async def submit_order(self, info: Info, input: i.SubmitOrderInput) -> p.SubmitOrderPayload:
        order, errors = await submit_order.resolve_submit_order(info, input)
        return p.SubmitOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="An invited provider quotes (a second quote supersedes its first).")
    async def submit_quote(self, info: Info, input: i.SubmitQuoteInput) -> p.SubmitQuotePayload:
        result, errors = await quotes.resolve_submit_quote(info, input)
        order, quote = result or (None, None)
        return p.SubmitQuotePayload(order=order, quote=quote, errors=user_errors(errors))

    @strawberry.mutation(
        description="An invited provider declines; the order is cancelled once every provider asked declined."
    )
    async def decline_to_quote(self, info: Info, input: i.DeclineToQuoteInput) -> p.DeclineToQuotePayload:
        order, errors = await quotes.resolve_decline_to_quote(info, input)
        return p.DeclineToQuotePayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The partner accepts a current quote: the order is APPROVED and its MDF reserved.")
    async def accept_quote(self, info: Info, input: i.AcceptQuoteInput) -> p.AcceptQuotePayload:
        result, errors = await quotes.resolve_accept_quote(info, input)
        order, quote = result or (None, None)
        return p.AcceptQuotePayload(order=order, quote=quote, errors=user_errors(errors))

    @strawberry.mutation(description="The supplier approves a fixed-price order (reserving its MDF).")
    async def approve_order(self, info: Info, input: i.ApproveOrderInput) -> p.ApproveOrderPayload:
        order, errors = await resolve_transition(info, A.APPROVE_ORDER, input.order_id)
        return p.ApproveOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The supplier rejects an order waiting for approval.")
    async def reject_order(self, info: Info, input: i.RejectOrderInput) -> p.RejectOrderPayload:
        order, errors = await resolve_transition(info, A.REJECT_ORDER, input.order_id, reason=input.reason)
        return p.RejectOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The assigned provider takes on an approved order.")
    async def accept_order(self, info: Info, input: i.AcceptOrderInput) -> p.AcceptOrderPayload:
        order, errors = await resolve_transition(info, A.ACCEPT_ORDER, input.order_id)
        return p.AcceptOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The assigned provider turns down an approved order (its MDF is released).")
    async def deny_order(self, info: Info, input: i.DenyOrderInput) -> p.DenyOrderPayload:
        order, errors = await resolve_transition(info, A.DENY_ORDER, input.order_id, reason=input.reason)
        return p.DenyOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation
    async def start_work(self, info: Info, input: i.StartWorkInput) -> p.StartWorkPayload:
        order, errors = await resolve_transition(info, A.START_WORK, input.order_id)
        return p.StartWorkPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The provider waits for the partner (message required).")
    async def request_partner_input(
        self, info: Info, input: i.RequestPartnerInputInput
    ) -> p.RequestPartnerInputPayload:
        order, errors = await resolve_transition(info, A.REQUEST_PARTNER_INPUT, input.order_id, reason=input.message)
        return p.RequestPartnerInputPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The partner answers the provider (message required); work resumes.")
    async def provide_input(self, info: Info, input: i.ProvideInputInput) -> p.ProvideInputPayload:
        order, errors = await resolve_transition(info, A.PROVIDE_INPUT, input.order_id, reason=input.message)
        return p.ProvideInputPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The provider resumes work without waiting any longer.")
    async def resume_work(self, info: Info, input: i.ResumeWorkInput) -> p.ResumeWorkPayload:
        order, errors = await resolve_transition(info, A.RESUME_WORK, input.order_id)
        return p.ResumeWorkPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation
    async def schedule_execution(self, info: Info, input: i.ScheduleExecutionInput) -> p.ScheduleExecutionPayload:
        order, errors = await resolve_transition(
            info, A.SCHEDULE_EXECUTION, input.order_id, scheduled_for=input.scheduled_for
        )
        return p.ScheduleExecutionPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation
    async def start_execution(self, info: Info, input: i.StartExecutionInput) -> p.StartExecutionPayload:
        order, errors = await resolve_transition(info, A.START_EXECUTION, input.order_id)
        return p.StartExecutionPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="The provider completes the order (its MDF reservation becomes spend).")
    async def complete_order(self, info: Info, input: i.CompleteOrderInput) -> p.CompleteOrderPayload:
        order, errors = await resolve_transition(info, A.COMPLETE_ORDER, input.order_id)
        return p.CompleteOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="Cancel before work starts (reason required; MDF released).")
    async def cancel_order(self, info: Info, input: i.CancelOrderInput) -> p.CancelOrderPayload:
        order, errors = await resolve_transition(info, A.CANCEL_ORDER, input.order_id, reason=input.reason)
        return p.CancelOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(
        description="The provider archives a finished order (it leaves the default Manage Orders list)."
    )
    async def archive_order(self, info: Info, input: i.ArchiveOrderInput) -> p.ArchiveOrderPayload:
        order, errors = await resolve_transition(info, A.ARCHIVE_ORDER, input.order_id)
        return p.ArchiveOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(description="Comment on an order you see whole (1 to 10,000 characters).")
    async def add_comment(self, info: Info, input: i.AddCommentInput) -> p.AddCommentPayload:
        result, errors = await comments.resolve_add_comment(info, input)
        order, comment = result or (None, None)
        return p.AddCommentPayload(order=order, comment=comment, errors=user_errors(errors))

    @strawberry.mutation(
        description="The assigned provider records up to 1,000 leads; duplicates by e-mail are skipped."
    )
    async def add_leads(self, info: Info, input: i.AddLeadsInput) -> p.AddLeadsPayload:
        result, errors = await leads.resolve_add_leads(info, input)
        if result is None:
            return p.AddLeadsPayload(errors=user_errors(errors))
        order, added, skipped = result
        return p.AddLeadsPayload(
            order=order,
            leads=added,
            skipped_leads=[p.SkippedLead(index=s.index, email=s.email, reason=s.reason) for s in skipped],
        )

    @strawberry.mutation(description="The partner (or supplier) records how working a lead went.")
    async def update_lead(self, info: Info, input: i.UpdateLeadInput) -> p.UpdateLeadPayload:
        result, errors = await leads.resolve_update_lead(info, input)
        order, lead = result or (None, None)
        return p.UpdateLeadPayload(order=order, lead=lead, errors=user_errors(errors))
