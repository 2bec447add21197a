"""Stored order events: written in the change's own transaction, published after commit.

Every domain action that changes an order calls `record_event`; the mutation runner
(`resolvers.mutations.base`) publishes `pending_events(session)` on the bus only once the
transaction has committed, so a refused or rolled-back mutation publishes nothing.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import Order, OrderEvent, OrderEventKind, OrderInvitation, OrderStatus, StatusChange

# Any constant: the key of the PostgreSQL advisory lock that orders event ids by commit.
EVENT_LOCK_KEY = 7_140_221_903


def pending_events(session: AsyncSession) -> list[OrderEvent]:
    return session.info.setdefault("pending_events", [])


async def event_audience(
    session: AsyncSession,
    order: Order,
    kind: OrderEventKind,
    subject_provider_id: int | None = None,
    subject_id: int | None = None,
) -> dict:
    """Who may see this event, as access stands now (DOMAIN.md, "Who sees what").

    Suppliers of the portal always (implicit: every event of their portal) and the order's
    partner always; never anyone of another portal. The assigned provider once the order has
    been approved (so from the change to APPROVED on). Invited providers for the status
    changes of their quote request (its start, and the change that ends it) and for their own
    quotes; never for comments, leads or other providers' quotes.
    """
    providers: set[int] = set()
    if order.provider_id is not None and order.approved_at is not None:
        providers.add(order.provider_id)
    if kind is OrderEventKind.QUOTE_SUBMITTED and subject_provider_id is not None:
        providers.add(subject_provider_id)
    left_pending_quotes = bool(session.info.get("left_pending_quotes"))
    if kind is OrderEventKind.STATUS_CHANGED and subject_id is not None:
        change = await session.get(StatusChange, subject_id)  # in the identity map: no query
        left_pending_quotes = left_pending_quotes or (
            change is not None and change.from_status is OrderStatus.PENDING_QUOTES
        )
    if kind is OrderEventKind.STATUS_CHANGED and (
        order.status is OrderStatus.PENDING_QUOTES or left_pending_quotes
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
    await _order_ids_by_commit(session)
    event = OrderEvent(
        portal_id=order.portal_id,
        order_id=order.id,
        kind=kind,
        subject_id=subject_id,
        actor_id=actor_id,
        audience=await event_audience(session, order, kind, subject_provider_id, subject_id),
    )
    session.add(event)
    await session.flush()
    pending_events(session).append(event)
    from domain import notifications

    await notifications.on_event(session, order, event)
    return event


async def _order_ids_by_commit(session: AsyncSession) -> None:
    """Make event ids grow in commit order, so that "every event after id N" is exact.

    Subscribers read stored events after the last id they delivered; that misses nothing only
    if no transaction can commit an event with a smaller id later. SQLite writers are already
    serialised (BEGIN IMMEDIATE). On PostgreSQL, a transaction-scoped advisory lock taken
    before the event row gets its id, held until commit, gives the same guarantee.
    """
    if session.info.get("event_lock") or session.bind.dialect.name != "postgresql":
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOCK_KEY})
    session.info["event_lock"] = True


def event_message(event: OrderEvent) -> dict:
    """What goes on the bus: enough to route; subscribers load the rest."""
    return {
        "event_id": event.id,
        "order_id": event.order_id,
        "portal_id": event.portal_id,
        "kind": event.kind.value,
        "audience": event.audience,
    }
