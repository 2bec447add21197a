"""Quotes: invited providers submit (and revise) them or decline; the partner accepts one.

Expiry: accepting a quote past its `expiresAt` is refused with QUOTE_EXPIRED and, like every
refusal, writes nothing; the quote reads as EXPIRED from that moment on (`effective_status`),
and `sweep_expired_quotes` (CLI `provider-orders sweep-quotes`) stores the EXPIRED state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import OrderView, can_see_quote
from domain.errors import DomainError, ErrorCode, not_found
from domain.events import record_event
from domain.order_actions import refusal as action_refusal
from domain.order_actions import situation_of
from domain.orders import OrderAccess, access_to, load_order, require_transition, save_order, touch_invitations
from domain.transitions import TRANSITIONS, OrderAction
from domain.unit_of_work import UnitOfWork
from domain.validation import (
    Problems,
    capped_list,
    future_time,
    not_past_date,
    optional_text,
    positive_decimal,
    required_text,
    whole_number,
)
from domain.viewer import Viewer
from domain.workflow import change_status
from models import Order, OrderEventKind, OrderInvitation, Quote, QuoteLineItem, QuoteStatus
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
QUOTE_ID = ["input", "quoteId"]
MAX_LINE_ITEMS = 100
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = Decimal("100000000")
CENT = Decimal("0.01")
NO_QUOTE_LEFT = "No quote is left: every provider asked to quote declined or withdrew its quote."


@dataclass
class LineItemData:
    description: str
    quantity: int
    unit_price: Decimal


@dataclass
class NewQuote:
    plan: str
    line_items: list[LineItemData]
    estimated_completion_on: date
    expires_at: datetime | None = None
    terms: str | None = None


def line_amount(quantity: int, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


_SUBMITTED = QuoteStatus.SUBMITTED  # read once (an enum member looked up on its class is slow)


def effective_status(quote: Quote, now: datetime | None = None) -> QuoteStatus:
    """SUBMITTED quotes past their expiry read as EXPIRED before the sweep stores it."""
    if quote.status is _SUBMITTED and quote.expires_at is not None and quote.expires_at <= (now or utcnow()):
        return QuoteStatus.EXPIRED
    return quote.status


def _f(*path: str | int) -> list[str]:
    return ["input", *map(str, path)]


def _line_items(items: list[LineItemData]) -> list[QuoteLineItem]:
    capped_list(items, _f("lineItems"), minimum=1, maximum=MAX_LINE_ITEMS, what="line items")
    problems = Problems()
    rows = []
    for i, item in enumerate(items):
        description = problems.check(
            required_text, item.description, _f("lineItems", i, "description"), max_length=500, what="description"
        )
        quantity = problems.check(
            whole_number,
            item.quantity,
            _f("lineItems", i, "quantity"),
            minimum=1,
            maximum=MAX_QUANTITY,
            what="quantity",
        )
        unit_price = problems.check(
            positive_decimal,
            item.unit_price,
            _f("lineItems", i, "unitPrice"),
            places=2,
            maximum=MAX_UNIT_PRICE,
            what="unit price",
        )
        if quantity is not None and unit_price is not None:
            rows.append(
                QuoteLineItem(
                    position=i + 1,
                    description=description,
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=line_amount(quantity, unit_price),
                )
            )
    problems.raise_any()
    return rows


async def submit_quote(uow: UnitOfWork, viewer: Viewer, order_id: int, data: NewQuote) -> Quote:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    require_transition(access, OrderAction.SUBMIT_QUOTE, field=ORDER_ID)
    order, now = access.order, utcnow()

    problems = Problems()
    plan = problems.check(required_text, data.plan, _f("plan"), what="plan")
    items = problems.check(_line_items, data.line_items) or []
    terms = problems.check(optional_text, data.terms, _f("terms"), what="terms")
    expires_at = None
    if data.expires_at is not None:
        expires_at = problems.check(future_time, data.expires_at, _f("expiresAt"), now, what="expiry")
    problems.check(
        not_past_date,
        data.estimated_completion_on,
        _f("estimatedCompletionOn"),
        now.date(),
        what="estimated completion date",
    )
    problems.raise_any()

    mine = (Quote.order_id == order.id) & (Quote.provider_id == viewer.organization_id)
    revision = (await session.scalar(select(func.max(Quote.revision)).where(mine)) or 0) + 1
    # A revision supersedes the provider's open quote.
    await session.execute(
        update(Quote)
        .where(mine, Quote.status == QuoteStatus.SUBMITTED)
        .values(status=QuoteStatus.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
    quote = Quote(
        order_id=order.id,
        provider_id=viewer.organization_id,
        submitted_by_id=viewer.user_id,
        status=QuoteStatus.SUBMITTED,
        revision=revision,
        plan=plan,
        total=sum((i.amount for i in items), Decimal("0")),
        currency=order.currency,
        expires_at=expires_at,
        estimated_completion_on=data.estimated_completion_on,
        terms=terms,
        submitted_at=now,
    )
    session.add(quote)
    await session.flush()
    for item in items:
        item.quote_id = quote.id
    session.add_all(items)
    await save_order(session, order, field=ORDER_ID)
    await touch_invitations(session, order, provider_id=viewer.organization_id, now=now)
    await record_event(
        uow,
        order,
        OrderEventKind.QUOTE_SUBMITTED,
        quote.id,
        viewer.user_id,
        subject_provider_id=viewer.organization_id,
    )
    return quote


async def decline_to_quote(uow: UnitOfWork, viewer: Viewer, order_id: int, reason: str) -> Order:
    """The provider declines (its open quote becomes REJECTED); once no provider asked is left
    with a quote to offer, the order is cancelled (`_cancel_when_no_quote_is_left`)."""
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    require_transition(access, OrderAction.DECLINE_TO_QUOTE, field=ORDER_ID)
    text = required_text(reason, _f("reason"), what="reason")
    order, now = access.order, utcnow()
    invitation = access.invitation
    assert invitation is not None, "the transition table lets only an invited provider decline"
    invitation.last_activity_at, invitation.version = now, invitation.version + 1
    await _decline(uow, viewer, order, invitation, text, now)
    await _cancel_when_no_quote_is_left(uow, viewer, access, now)
    return order


async def _decline(
    uow: UnitOfWork, viewer: Viewer, order: Order, invitation: OrderInvitation, reason: str, now: datetime
) -> None:
    """The invitation declined, the provider's open quote REJECTED, the event recorded."""
    invitation.declined_at, invitation.decline_reason = now, reason
    await uow.session.execute(
        update(Quote)
        .where(
            Quote.order_id == order.id,
            Quote.provider_id == invitation.provider_id,
            Quote.status == QuoteStatus.SUBMITTED,
        )
        .values(status=QuoteStatus.REJECTED)
        .execution_options(synchronize_session=False)
    )
    await uow.session.flush()
    await record_event(
        uow,
        order,
        OrderEventKind.QUOTE_DECLINED,
        invitation.id,
        viewer.user_id,
        subject_provider_id=invitation.provider_id,
    )


async def decline_on_behalf(uow: UnitOfWork, viewer: Viewer, invitation: OrderInvitation, reason: str) -> Order:
    """What `decline_to_quote` does, for a provider that leaves the portal (its deactivation,
    `viewer` being the supplier who deactivates it): the invitation is declined, the provider's
    open quote REJECTED, and the order cancelled once no provider asked has a quote to offer."""
    session, now = uow.session, utcnow()
    order = await session.get_one(Order, invitation.order_id)
    await _decline(uow, viewer, order, invitation, reason, now)
    access = OrderAccess(order, OrderView.FULL, frozenset(), None)
    await _cancel_when_no_quote_is_left(uow, viewer, access, now)
    return order


async def _cancel_when_no_quote_is_left(uow: UnitOfWork, viewer: Viewer, access: OrderAccess, now: datetime) -> None:
    """Once every provider asked has declined or withdrawn its latest quote, nothing can be
    accepted any more: the order is cancelled through the transition table, by the portal
    (no actor), else only saved. A provider that has not answered yet keeps the request open."""
    session, order = uow.session, access.order
    invitations = list(await session.scalars(select(OrderInvitation).where(OrderInvitation.order_id == order.id)))
    latest: dict[int, Quote] = {}
    for quote in await session.scalars(
        select(Quote).where(Quote.order_id == order.id).order_by(Quote.submitted_at, Quote.id)
    ):
        latest[quote.provider_id] = quote
    in_play = [
        i
        for i in invitations
        if i.declined_at is None
        and (i.provider_id not in latest or latest[i.provider_id].status is not QuoteStatus.WITHDRAWN)
    ]
    if in_play:
        await save_order(session, order, field=ORDER_ID)
    else:
        transition = TRANSITIONS[OrderAction.CANCEL_ORDER]
        await change_status(uow, viewer, access, transition, reason=NO_QUOTE_LEFT, now=now, automatic=True)


def withdrawal_refusal(access: OrderAccess, quote: Quote, now: datetime) -> DomainError | None:
    """Why the viewer may not withdraw `quote` now (None: it may). The rule of
    `withdrawQuote` and of WITHDRAW_QUOTE in `availableActions`: an invited provider (that has
    not declined) withdraws its own open quote while quotes are collected."""
    own = access.invitation is not None and quote.provider_id == access.invitation.provider_id
    refused = action_refusal(OrderAction.WITHDRAW_QUOTE, situation_of(access), QUOTE_ID)
    if (refused is not None and refused.code is ErrorCode.FORBIDDEN) or not own:
        return DomainError(ErrorCode.FORBIDDEN, "Only the provider that sent a quote may withdraw it.", QUOTE_ID)
    if refused is not None:
        return refused
    status = effective_status(quote, now)
    if status is not QuoteStatus.SUBMITTED:
        return DomainError(ErrorCode.INVALID_TRANSITION, f"this quote is {status.value}, not open", QUOTE_ID)
    return None


async def withdraw_quote(uow: UnitOfWork, viewer: Viewer, quote_id: int) -> tuple[Order, Quote]:
    """The provider takes its open quote back (WITHDRAWN: it can no longer be accepted); it
    stays invited and may quote again. The partner side is told; rivals never are."""
    session = uow.session
    quote = await session.get(Quote, quote_id)
    if quote is None:
        raise not_found("quote", QUOTE_ID)
    order = await session.get_one(Order, quote.order_id)
    access = await access_to(session, viewer, order, field=QUOTE_ID, what="quote")
    if not can_see_quote(viewer, order, quote):
        raise not_found("quote", QUOTE_ID)
    now = utcnow()
    refusal = withdrawal_refusal(access, quote, now)
    if refusal is not None:
        raise refusal
    quote.status = QuoteStatus.WITHDRAWN
    await session.flush()
    await record_event(
        uow, order, OrderEventKind.QUOTE_WITHDRAWN, quote.id, viewer.user_id, subject_provider_id=quote.provider_id
    )
    await _cancel_when_no_quote_is_left(uow, viewer, access, now)
    return order, quote


async def accept_quote(uow: UnitOfWork, viewer: Viewer, quote_id: int) -> tuple[Order, Quote]:
    """The partner accepts a current, unexpired quote: the order is APPROVED at its total, assigned
    to its provider, and the MDF fund (if any) reserves the total."""
    session = uow.session
    quote = await session.get(Quote, quote_id)
    if quote is None:
        raise not_found("quote", QUOTE_ID)
    order = await session.get_one(Order, quote.order_id)
    access = await access_to(session, viewer, order, field=QUOTE_ID, what="quote")
    if not can_see_quote(viewer, order, quote):
        raise not_found("quote", QUOTE_ID)
    transition = require_transition(access, OrderAction.ACCEPT_QUOTE, field=QUOTE_ID)
    now = utcnow()
    status = effective_status(quote, now)
    if status is QuoteStatus.EXPIRED:
        raise DomainError(
            ErrorCode.QUOTE_EXPIRED, f"this quote expired at {quote.expires_at:%Y-%m-%d %H:%M} UTC", QUOTE_ID
        )
    if status is not QuoteStatus.SUBMITTED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"this quote is {status.value}, not open for acceptance", QUOTE_ID
        )
    await session.execute(
        update(Quote)
        .where(Quote.order_id == order.id, Quote.status == QuoteStatus.SUBMITTED, Quote.id != quote.id)
        .values(status=QuoteStatus.REJECTED)
        .execution_options(synchronize_session=False)
    )
    quote.status = QuoteStatus.ACCEPTED
    await change_status(
        uow,
        viewer,
        access,
        transition,
        now=now,
        money_field=QUOTE_ID,
        rate=quote.total,
        provider_id=quote.provider_id,
        estimated_completion_on=quote.estimated_completion_on,
        accepted_quote_id=quote.id,
    )
    await session.flush()
    return order, quote


async def sweep_expired_quotes(session: AsyncSession, now: datetime | None = None) -> int:
    """Store EXPIRED on every open quote past its expiry; returns how many."""
    result = await session.execute(
        update(Quote)
        .where(
            Quote.status == QuoteStatus.SUBMITTED, Quote.expires_at.is_not(None), Quote.expires_at <= (now or utcnow())
        )
        .values(status=QuoteStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, result).rowcount
