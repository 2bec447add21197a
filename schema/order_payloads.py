"""Payloads of the order workflow mutations: the order (null when refused), the object made, errors."""

from __future__ import annotations

import strawberry

from schema.common import UserError
from schema.orders import Comment, Lead, Order, Quote


@strawberry.type
class OrderPayload:
    order: Order | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubmitOrderPayload(OrderPayload):
    pass


@strawberry.type
class SubmitQuotePayload(OrderPayload):
    quote: Quote | None = None


@strawberry.type
class DeclineToQuotePayload(OrderPayload):
    pass


@strawberry.type
class AcceptQuotePayload(OrderPayload):
    quote: Quote | None = None


@strawberry.type
class AddCommentPayload(OrderPayload):
    comment: Comment | None = None


@strawberry.type(description="A lead left out of addLeads because its e-mail is already on the order.")
class SkippedLead:
    index: int = strawberry.field(description="Position in `input.leads`.")
    email: str
    reason: str


@strawberry.type
class AddLeadsPayload(OrderPayload):
    leads: list[Lead] = strawberry.field(default_factory=list, description="The leads added.")
    skipped_leads: list[SkippedLead] = strawberry.field(
        default_factory=list, description="Duplicates by e-mail (on the order or in this batch), not added."
    )


@strawberry.type
class UpdateLeadPayload(OrderPayload):
    lead: Lead | None = None


@strawberry.type(description="The order after the edit (unchanged when nothing differed), or the errors.")
class UpdateOrderPayload(OrderPayload):
    pass


@strawberry.type(description="The order with its new estimated completion date, or the errors.")
class UpdateEstimatedCompletionPayload(OrderPayload):
    pass
