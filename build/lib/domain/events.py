"""Stored order events: written in the change's own transaction, published after commit.

Every domain action that changes an order calls `record_event`; the mutation runner
(`resolvers.mutations.base`) publishes `pending_events(session)` on the bus only once the
transaction has committed, so a refused or rolled-back mutation publishes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Order, OrderEvent, OrderEventKind, OrderInvitation, OrderStatus


def pending_events(session: AsyncSession) -> list[OrderEvent]:
    return session.info.setdefault("pending_events", [])


async def event_audience(
    session: AsyncSession, order: Order, kind: OrderEventKind, subject_provider_id: int | None = None
) -> dict:
    """Who may see this event, as access stands now (DOMAIN.md, "Who sees what").

    Suppliers of the portal and the order's partner always; the assigned provider once the
    order has been approved; invited providers for status changes of their quote request and
    for their own quotes.
    """
    providers: set[int] = set()
    if order.provider_id is not None and order.approved_at is not None:
        providers.add(order.provider_id)
    if kind is OrderEventKind.QUOTE_SUBMITTED and subject_provider_id is not None:
        providers.add(subject_provider_id)
    if kind is OrderEventKind.STATUS_CHANGED and (
        order.status is OrderStatus.PENDING_QUOTES or session.info.get("left_pending_quotes")
    ):
        invited = await session.scalars(
            select(OrderInvitation.provider_id).where(OrderInvitation.order_id == order.id)
        )
        providers.update(invited)
    return {"partner": order.partner_id, "providers": sorted(providers)}


async def record_event(
    session: AsyncSession,
    order: Order,
    kind: OrderEventKind,
    subject_id: int,
    actor_id: int | None,
    *,
    subject_provider_id: int | None = None,
) -> OrderEvent:
    event = OrderEvent(
        portal_id=order.portal_id,
        order_id=order.id,
        kind=kind,
        subject_id=subject_id,
        actor_id=actor_id,
        audience=await event_audience(session, order, kind, subject_provider_id),
    )
    session.add(event)
    await session.flush()
    pending_events(session).append(event)
    from domain import notifications

    await notifications.on_event(session, order, event)
    return event


def event_message(event: OrderEvent) -> dict:
    """What goes on the bus: enough to route; subscribers load the rest."""
    return {
        "event_id": event.id,
        "order_id": event.order_id,
        "portal_id": event.portal_id,
        "kind": event.kind.value,
        "audience": event.audience,
    }
