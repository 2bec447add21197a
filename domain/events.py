"""Stored order events: written in the change's own transaction, published after commit.

Every domain action that changes an order calls `record_event`, which collects the event in
the action's unit of work; the mutation runner publishes the unit's events on the bus only once
the transaction has committed, so a refused or rolled-back mutation publishes nothing.

The event rows (and the notifications that point at them) are inserted at the very end of
the transaction, and get their ids in the commit itself: see `UnitOfWork.store_pending`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import notifications
from domain.unit_of_work import UnitOfWork
from models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderField,
    OrderInvitation,
    OrderStatus,
    OrderUpdate,
    StatusChange,
)
from models.base import utcnow

# An invited provider sees its own quotes, withdrawals and declines, never another provider's.
OWN_EVENTS_OF_PROVIDER = {
    OrderEventKind.QUOTE_SUBMITTED,
    OrderEventKind.QUOTE_DECLINED,
    OrderEventKind.QUOTE_WITHDRAWN,
}
# MDF claims are the partner's and the supplier's business: providers never see the fund.
CLAIM_EVENTS = {
    OrderEventKind.CLAIM_SUBMITTED,
    OrderEventKind.CLAIM_APPROVED,
    OrderEventKind.CLAIM_REJECTED,
    OrderEventKind.CLAIM_EXPIRED,
}


async def event_audience(
    session: AsyncSession,
    order: Order,
    kind: OrderEventKind,
    subject_provider_id: int | None = None,
    subject_id: int | None = None,
    *,
    left_pending_quotes: bool = False,
    only_provider: int | None = None,
) -> dict:
    """Who may see this event, as access stands now (DOMAIN.md, "Who sees what").

    Suppliers of the portal always (implicit: every event of their portal) and the order's
    partner always; never anyone of another portal. The assigned provider once the order has
    been approved (so from the change to APPROVED on). Invited providers for the status
    changes of their quote request (its start, and the change that ends it), for their own
    quotes, withdrawals and declines, for the comments of their own private thread
    (`subject_provider_id`), and for edits of the description they quote on; never for other
    comments, leads, other edits or other providers' quotes. `only_provider`: the event is
    about something of that provider's alone (a file on its quote or in its private thread): no
    other provider hears of it. No provider hears of MDF claims.
    """
    if kind in CLAIM_EVENTS:
        return {"partner": order.partner_id, "providers": []}
    if only_provider is not None:
        return {"partner": order.partner_id, "providers": [only_provider]}
    if kind is OrderEventKind.COMMENT_ADDED and subject_provider_id is not None:
        # A private thread: its provider (and the partner and suppliers), nobody else.
        return {"partner": order.partner_id, "providers": [subject_provider_id]}
    providers: set[int] = set()
    if order.provider_id is not None and order.approved_at is not None:
        providers.add(order.provider_id)
    if kind in OWN_EVENTS_OF_PROVIDER and subject_provider_id is not None:
        providers.add(subject_provider_id)
    if kind is OrderEventKind.STATUS_CHANGED and subject_id is not None:
        change = await session.get(StatusChange, subject_id)  # in the identity map: no query
        left_pending_quotes = left_pending_quotes or (
            change is not None and change.from_status is OrderStatus.PENDING_QUOTES
        )
    if kind is OrderEventKind.ORDER_UPDATED and order.status is OrderStatus.PENDING_QUOTES and subject_id is not None:
        update = await session.get(OrderUpdate, subject_id)  # in the identity map: no query
        if update is not None and OrderField.DESCRIPTION.value in update.fields:
            invited = await session.scalars(
                select(OrderInvitation.provider_id).where(OrderInvitation.order_id == order.id)
            )
            providers.update(invited)
    if kind is OrderEventKind.STATUS_CHANGED and (order.status is OrderStatus.PENDING_QUOTES or left_pending_quotes):
        invited = await session.scalars(select(OrderInvitation.provider_id).where(OrderInvitation.order_id == order.id))
        providers.update(invited)
    return {"partner": order.partner_id, "providers": sorted(providers)}


async def record_event(
    uow: UnitOfWork,
    order: Order,
    kind: OrderEventKind,
    subject_id: int,
    actor_id: int | None,
    *,
    subject_provider_id: int | None = None,
    left_pending_quotes: bool = False,
    only_provider: int | None = None,
) -> OrderEvent:
    """The event of a change, with its notifications. Both are stored when the transaction
    commits; `event.id` is known from then on. `left_pending_quotes`: the change ended the
    order's quote request (its invited providers are told, see `event_audience`)."""
    event = OrderEvent(
        portal_id=order.portal_id,
        order_id=order.id,
        kind=kind,
        subject_id=subject_id,
        actor_id=actor_id,
        audience=await event_audience(
            uow.session,
            order,
            kind,
            subject_provider_id,
            subject_id,
            left_pending_quotes=left_pending_quotes,
            only_provider=only_provider,
        ),
        created_at=utcnow(),
    )
    uow.events.append(event)
    await notifications.on_event(uow, order, event)
    return event


def event_message(event: OrderEvent) -> dict:
    """What goes on the bus: a doorbell with enough to route; subscribers load the rest. No id:
    on PostgreSQL the commit gave the event its id (`UnitOfWork.store_pending`)."""
    return {
        "order_id": event.order_id,
        "portal_id": event.portal_id,
        "kind": event.kind.value,
        "audience": event.audience,
    }
