"""Inputs of the order workflow mutations: one input object per mutation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from schema.enums import LeadStatus, OrderOrigin, PaymentMethod


@strawberry.input(description="A person the provider may contact about the order.")
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@strawberry.input
class SubmitOrderInput:
    service_id: strawberry.ID
    name: str
    origin: OrderOrigin
    payment_method: PaymentMethod
    description: str | None = None
    campaign_activity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for origin CAMPAIGN_ACTIVITY: the full service activity ordered."
    )
    provider_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="QUOTE services only: the providers asked to quote (at most 100; default: the service's provider).",
    )
    mdf_fund_id: strawberry.ID | None = strawberry.field(default=None, description="Required for payment method MDF.")
    contacts: list[ContactInput] | None = strawberry.field(default=None, description="At most 100.")
    notification_recipients: list[str] | None = strawberry.field(
        default=None, description="E-mail addresses told of the order's changes (at most 100)."
    )


@strawberry.input
class QuoteLineItemInput:
    description: str
    quantity: int = strawberry.field(description="Whole units, 1 to 1,000,000.")
    unit_price: Decimal = strawberry.field(description="Greater than zero, in cents precision.")


@strawberry.input
class SubmitQuoteInput:
    order_id: strawberry.ID
    plan: str
    line_items: list[QuoteLineItemInput] = strawberry.field(description="1 to 100 items.")
    estimated_completion_on: date
    expires_at: datetime | None = strawberry.field(default=None, description="In the future; UTC when no offset.")
    terms: str | None = None


@strawberry.input
class DeclineToQuoteInput:
    order_id: strawberry.ID
    reason: str


@strawberry.input
class AcceptQuoteInput:
    quote_id: strawberry.ID


@strawberry.input
class AddCommentInput:
    order_id: strawberry.ID
    body: str = strawberry.field(description="1 to 10,000 characters.")


@strawberry.input
class LeadInput:
    name: str
    email: str | None = None
    company: str | None = None
    phone: str | None = None


@strawberry.input
class AddLeadsInput:
    order_id: strawberry.ID
    leads: list[LeadInput] = strawberry.field(description="1 to 1,000 leads.")


@strawberry.input
class UpdateLeadInput:
    lead_id: strawberry.ID
    status: LeadStatus


@strawberry.input(description="The partner edits an order until it is completed, cancelled, denied or archived.")
class UpdateOrderInput:
    order_id: strawberry.ID
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="The new description (null or blank: none); left out: unchanged."
    )
    contacts: list[ContactInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The whole new contact list (at most 100); left out: unchanged."
    )
    notification_recipients: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "The whole new list of addresses told of the order's changes (at most 100; as in submitOrder); "
            "left out: unchanged."
        ),
    )


@strawberry.input(description="The assigned provider moves the date it expects to complete the work.")
class UpdateEstimatedCompletionInput:
    order_id: strawberry.ID
    estimated_completion_on: date = strawberry.field(description="Today or later.")
    reason: str | None = strawberry.field(default=None, description="Why the date moved (told to the partner).")
