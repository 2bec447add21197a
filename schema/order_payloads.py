"""Payloads of the order workflow mutations: the order (null when refused), the object made, errors."""

from __future__ import annotations

import strawberry

from schema.common import ERRORS, UserError
from schema.orders import Comment, Lead, Order, Quote


@strawberry.type(description="What an order mutation did: the order as it is now, or why it was refused.")
class OrderPayload:
    order: Order | None = strawberry.field(default=None, description="The order after the change; null when refused.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The order placed (`submitOrder`), or why it was refused.")
class SubmitOrderPayload(OrderPayload):
    pass


@strawberry.type(description="The quote sent (`submitQuote`) and its order, or why it was refused.")
class SubmitQuotePayload(OrderPayload):
    quote: Quote | None = strawberry.field(default=None, description="The quote sent; null when refused.")


@strawberry.type(description="The order declined (`declineToQuote`), or why it was refused.")
class DeclineToQuotePayload(OrderPayload):
    pass


@strawberry.type(description="The quote accepted (`acceptQuote`) and its order, or why it was refused.")
class AcceptQuotePayload(OrderPayload):
    quote: Quote | None = strawberry.field(default=None, description="The quote accepted; null when refused.")


@strawberry.type(description="The quote withdrawn (`withdrawQuote`) and its order, or why it was refused.")
class WithdrawQuotePayload(OrderPayload):
    quote: Quote | None = strawberry.field(default=None, description="The quote, now WITHDRAWN; null when refused.")


@strawberry.type(description="The comment posted (`addComment`) and its order, or why it was refused.")
class AddCommentPayload(OrderPayload):
    comment: Comment | None = strawberry.field(default=None, description="The comment posted; null when refused.")


@strawberry.type(description="A lead left out of addLeads because its e-mail is already on the order.")
class SkippedLead:
    index: int = strawberry.field(description="Position in `input.leads` (from 0).")
    email: str = strawberry.field(description="The e-mail address it shares with a lead already there.")
    reason: str = strawberry.field(description="Why it was skipped, in words.")


@strawberry.type(description="The leads recorded (`addLeads`), those skipped, and the order; or why it was refused.")
class AddLeadsPayload(OrderPayload):
    leads: list[Lead] = strawberry.field(default_factory=list, description="The leads added.")
    skipped_leads: list[SkippedLead] = strawberry.field(
        default_factory=list, description="Duplicates by e-mail (on the order or in this batch), not added."
    )


@strawberry.type(description="The lead updated (`updateLead`) and its order, or why it was refused.")
class UpdateLeadPayload(OrderPayload):
    lead: Lead | None = strawberry.field(default=None, description="The lead after the change; null when refused.")


@strawberry.type(description="The order after the edit (unchanged when nothing differed), or the errors.")
class UpdateOrderPayload(OrderPayload):
    pass


@strawberry.type(description="The order with its new estimated completion date, or the errors.")
class UpdateEstimatedCompletionPayload(OrderPayload):
    pass
