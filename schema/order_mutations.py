"""The order workflow mutations (DOMAIN.md's transition table, quotes, comments, leads).

Every mutation takes one `input` and returns a payload with the order (null when refused),
the object it made and `errors`; a refused mutation changes nothing. The plain transition
mutations (approveOrder ... archiveOrder) are generated from the table: schema.transition_mutations.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.mutations import comments, leads, order_edits, quotes, submit_order
from schema import order_inputs as i
from schema import order_payloads as p
from schema.common import user_errors
from schema.transition_mutations import transition_mutations


@strawberry.type(name="OrderingMutations")
class _OrderingMutations:
    """Ordering and quoting; the transition mutations follow them (schema.transition_mutations)."""

    @strawberry.mutation(
        description=(
            "A partner orders a service (from a campaign activity, the Marketplace or the Provider Locator): "
            "PENDING_QUOTES for a QUOTE service (the providers asked are invited), PENDING_APPROVAL for a "
            "FIXED_PRICE one. Errors: FORBIDDEN (not a partner user), NOT_FOUND (service, activity, provider "
            "or fund), VALIDATION, FEATURE_DISABLED (the origin or MDF is switched off in the portal)."
        )
    )
    async def submit_order(
        self, info: Info, input: Annotated[i.SubmitOrderInput, strawberry.argument(description="The order to place.")]
    ) -> p.SubmitOrderPayload:
        order, errors = await submit_order.resolve_submit_order(info, input)
        return p.SubmitOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "An invited provider quotes on an order in PENDING_QUOTES (a second quote supersedes its first). "
            "Errors: NOT_FOUND, FORBIDDEN (not invited, or declined), INVALID_TRANSITION (quotes no longer "
            "collected), VALIDATION, CONFLICT."
        )
    )
    async def submit_quote(
        self, info: Info, input: Annotated[i.SubmitQuoteInput, strawberry.argument(description="The quote.")]
    ) -> p.SubmitQuotePayload:
        result, errors = await quotes.resolve_submit_quote(info, input)
        order, quote = result or (None, None)
        return p.SubmitQuotePayload(order=order, quote=quote, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "An invited provider declines (its open quote is withdrawn); the order is CANCELLED once every "
            "provider asked declined. Errors: NOT_FOUND, FORBIDDEN, INVALID_TRANSITION, VALIDATION, CONFLICT."
        )
    )
    async def decline_to_quote(
        self,
        info: Info,
        input: Annotated[i.DeclineToQuoteInput, strawberry.argument(description="The order, and why.")],
    ) -> p.DeclineToQuotePayload:
        order, errors = await quotes.resolve_decline_to_quote(info, input)
        return p.DeclineToQuotePayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "An invited provider withdraws its open quote: it reads WITHDRAWN and can no longer be "
            "accepted (the provider may quote again). Once no provider asked has a quote to offer, the "
            "portal cancels the order. Errors: NOT_FOUND (not your quote), FORBIDDEN (not the quote's "
            "provider, or it declined), INVALID_TRANSITION (the quote is not open, or quotes are no "
            "longer collected), CONFLICT."
        )
    )
    async def withdraw_quote(
        self,
        info: Info,
        input: Annotated[i.WithdrawQuoteInput, strawberry.argument(description="The quote to withdraw.")],
    ) -> p.WithdrawQuotePayload:
        result, errors = await quotes.resolve_withdraw_quote(info, input)
        order, quote = result or (None, None)
        return p.WithdrawQuotePayload(order=order, quote=quote, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "The partner accepts a current quote: the order is APPROVED with the quote's provider, total and "
            "completion date, its MDF reserved; the other quotes are REJECTED. Errors: NOT_FOUND, FORBIDDEN, "
            "INVALID_TRANSITION (the quote is not open), QUOTE_EXPIRED, INSUFFICIENT_FUNDS, VALIDATION, CONFLICT."
        )
    )
    async def accept_quote(
        self, info: Info, input: Annotated[i.AcceptQuoteInput, strawberry.argument(description="The quote to accept.")]
    ) -> p.AcceptQuotePayload:
        result, errors = await quotes.resolve_accept_quote(info, input)
        order, quote = result or (None, None)
        return p.AcceptQuotePayload(order=order, quote=quote, errors=user_errors(errors))


_WithTransitions = transition_mutations(_OrderingMutations, "TransitionMutations")


# Named Mutation so that the root keeps its name while it is the only mutation class (see schema.api).
@strawberry.type(name="Mutation")
class OrderMutations(_WithTransitions):
    @strawberry.mutation(
        description=(
            "Comment on an order you see whole (1 to 10,000 characters); its parties are told. While "
            "quotes are collected, an invited provider's comment goes to its private thread with the "
            "partner, and the partner (or supplier) answers one provider with `providerId`. Errors: "
            "NOT_FOUND (order or provider), FORBIDDEN (not one of its parties), INVALID_TRANSITION "
            "(ARCHIVED), VALIDATION (text; `providerId` not asked to quote, not your own, or after the "
            "quote phase)."
        )
    )
    async def add_comment(
        self, info: Info, input: Annotated[i.AddCommentInput, strawberry.argument(description="The order and text.")]
    ) -> p.AddCommentPayload:
        result, errors = await comments.resolve_add_comment(info, input)
        order, comment = result or (None, None)
        return p.AddCommentPayload(order=order, comment=comment, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "The assigned provider records up to 1,000 leads; duplicates by e-mail are skipped "
            "(`skippedLeads`). Errors: NOT_FOUND, FORBIDDEN (not the assigned provider), INVALID_TRANSITION "
            "(the order's status does not take leads), VALIDATION."
        )
    )
    async def add_leads(
        self, info: Info, input: Annotated[i.AddLeadsInput, strawberry.argument(description="The order and leads.")]
    ) -> p.AddLeadsPayload:
        result, errors = await leads.resolve_add_leads(info, input)
        if result is None:
            return p.AddLeadsPayload(errors=user_errors(errors))
        order, added, skipped = result
        return p.AddLeadsPayload(
            order=order,
            leads=added,
            skipped_leads=[p.SkippedLead(index=s.index, email=s.email, reason=s.reason) for s in skipped],
        )

    @strawberry.mutation(
        description=(
            "The partner (or supplier) records how working a lead went. Errors: NOT_FOUND, FORBIDDEN (the "
            "provider), INVALID_TRANSITION (the order is ARCHIVED)."
        )
    )
    async def update_lead(
        self,
        info: Info,
        input: Annotated[i.UpdateLeadInput, strawberry.argument(description="The lead and its new status.")],
    ) -> p.UpdateLeadPayload:
        result, errors = await leads.resolve_update_lead(info, input)
        order, lead = result or (None, None)
        return p.UpdateLeadPayload(order=order, lead=lead, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "The partner changes the description, contacts or notification recipients (parts left out stay); "
            "refused once the order is completed, cancelled, denied or archived."
        )
    )
    async def update_order(
        self,
        info: Info,
        input: Annotated[i.UpdateOrderInput, strawberry.argument(description="The order and the parts to change.")],
    ) -> p.UpdateOrderPayload:
        order, errors = await order_edits.resolve_update_order(info, input)
        return p.UpdateOrderPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(
        description="The assigned provider moves the estimated completion date (recorded in the timeline, told)."
    )
    async def update_estimated_completion(
        self,
        info: Info,
        input: Annotated[
            i.UpdateEstimatedCompletionInput, strawberry.argument(description="The order, the new date and why.")
        ],
    ) -> p.UpdateEstimatedCompletionPayload:
        order, errors = await order_edits.resolve_update_estimated_completion(info, input)
        return p.UpdateEstimatedCompletionPayload(order=order, errors=user_errors(errors))
