"""Inputs of the order workflow mutations: one input object per mutation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from schema.enums import LeadStatus, OrderOrigin, PaymentMethod


def order_id_field() -> Any:
    """The `orderId` field of an input (a field object of its own for each input)."""
    return strawberry.field(description="The order's global id (`Order.id`).")


@strawberry.input(description="A person the provider may contact about the order.")
class ContactInput:
    name: str = strawberry.field(description="Their name (1 to 200 characters).")
    email: str | None = strawberry.field(default=None, description="Their e-mail address, if any.")
    phone: str | None = strawberry.field(default=None, description="Their phone number, as written.")
    role: str | None = strawberry.field(default=None, description="Their role for this order (`Marketing lead`).")


@strawberry.input(description="The order a partner places (`submitOrder`).")
class SubmitOrderInput:
    service_id: strawberry.ID = strawberry.field(description="The service ordered (`Service.id`).")
    name: str = strawberry.field(description="A name for the order (1 to 200 characters).")
    origin: OrderOrigin = strawberry.field(
        description="Where it is placed from; MARKETPLACE and PROVIDER_LOCATOR only where the portal enables them."
    )
    payment_method: PaymentMethod = strawberry.field(description="MDF (then `mdfFundId`) or PARTNER_FUNDED.")
    description: str | None = strawberry.field(default=None, description="What the partner wants (plain text).")
    campaign_activity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for origin CAMPAIGN_ACTIVITY: the full service activity ordered."
    )
    provider_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="QUOTE services only: the providers asked to quote (at most 100; default: the service's provider).",
    )
    mdf_fund_id: strawberry.ID | None = strawberry.field(default=None, description="Required for payment method MDF.")
    contacts: list[ContactInput] | None = strawberry.field(
        default=None, description="People the provider may contact about the order (at most 100)."
    )
    notification_recipients: list[str] | None = strawberry.field(
        default=None, description="E-mail addresses told of the order's changes (at most 100)."
    )


@strawberry.input(description="One line of a quote.")
class QuoteLineItemInput:
    description: str = strawberry.field(description="What this line is for (1 to 500 characters).")
    quantity: int = strawberry.field(description="Whole units, 1 to 1,000,000.")
    unit_price: Decimal = strawberry.field(
        description="Price of one unit, a decimal string: above 0, at most 100,000,000, at most 2 decimals."
    )


@strawberry.input(description="A provider's quote for an order it was asked to quote on (`submitQuote`).")
class SubmitQuoteInput:
    order_id: strawberry.ID = order_id_field()
    plan: str = strawberry.field(description="What the provider will do (plain text, 1 to 10,000 characters).")
    line_items: list[QuoteLineItemInput] = strawberry.field(
        description="The quote's lines, 1 to 100; its total is the sum of their amounts."
    )
    estimated_completion_on: date = strawberry.field(description="When the provider expects to have finished.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops being acceptable: in the future, UTC when no offset; null: never."
    )
    terms: str | None = strawberry.field(default=None, description="Terms and conditions (plain text).")


@strawberry.input(description="An invited provider declines to quote (`declineToQuote`).")
class DeclineToQuoteInput:
    order_id: strawberry.ID = order_id_field()
    reason: str = strawberry.field(description="Why (1 to 10,000 characters); the partner and supplier see it.")


@strawberry.input(description="The quote the partner accepts (`acceptQuote`).")
class AcceptQuoteInput:
    quote_id: strawberry.ID = strawberry.field(description="The quote's global id (`Quote.id`).")


@strawberry.input(description="An invited provider takes back its open quote (`withdrawQuote`).")
class WithdrawQuoteInput:
    quote_id: strawberry.ID = strawberry.field(description="Your open (SUBMITTED) quote's global id (`Quote.id`).")


@strawberry.input(description="A comment on an order (`addComment`).")
class AddCommentInput:
    order_id: strawberry.ID = order_id_field()
    body: str = strawberry.field(description="The text (plain), 1 to 10,000 characters.")
    provider_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "While quotes are collected: the invited provider whose private thread the partner (or "
            "supplier) answers in. A provider leaves it out: its comments go to its own thread."
        ),
    )


@strawberry.input(description="A lead to record.")
class LeadInput:
    name: str = strawberry.field(description="The contact's name (1 to 200 characters).")
    email: str | None = strawberry.field(
        default=None, description="The contact's e-mail address; a lead whose address the order has is skipped."
    )
    company: str | None = strawberry.field(default=None, description="The contact's company.")
    phone: str | None = strawberry.field(default=None, description="The contact's phone number, as written.")


@strawberry.input(description="Leads the assigned provider records on an order (`addLeads`).")
class AddLeadsInput:
    order_id: strawberry.ID = order_id_field()
    leads: list[LeadInput] = strawberry.field(description="The leads to record, 1 to 1,000.")


@strawberry.input(description="A lead's new status (`updateLead`).")
class UpdateLeadInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead's global id (`Lead.id`).")
    status: LeadStatus = strawberry.field(description="How working it went.")


@strawberry.input(description="The partner edits an order until it is completed, cancelled, denied or archived.")
class UpdateOrderInput:
    order_id: strawberry.ID = strawberry.field(description="The order's global id (`Order.id`).")
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
    order_id: strawberry.ID = strawberry.field(description="The order's global id (`Order.id`).")
    estimated_completion_on: date = strawberry.field(description="Today or later.")
    reason: str | None = strawberry.field(default=None, description="Why the date moved (told to the partner).")
