"""Stored order events: written in the change's own transaction, published after commit.

Every domain action that changes an order calls `record_event`; the mutation runner
(`resolvers.mutations.base`) publishes `pending_events(session)` on the bus only once the
transaction has committed, so a refused or rolled-back mutation publishes nothing.

The event rows (and the notifications that point at them) are inserted at the very end of
the transaction, in the commit itself: see `_store_pending_events`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Order, OrderEvent, OrderEventKind, OrderInvitation, OrderStatus, StatusChange
from models.base import utcnow

# Any constant: the key of the PostgreSQL advisory lock that orders event ids by commit.
EVENT_LOCK_KEY = 7_140_221_903


# An invited provider sees its own quotes and declines, never another provider's.
OWN_EVENTS_OF_PROVIDER = {OrderEventKind.QUOTE_SUBMITTED, OrderEventKind.QUOTE_DECLINED}


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
    if kind in OWN_EVENTS_OF_PROVIDER and subject_provider_id is not None:
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
    """The event of a change, with its notifications. Both are stored when the transaction
    commits; `event.id` is known from then on."""
    event = OrderEvent(
        portal_id=order.portal_id,
        order_id=order.id,
        kind=kind,
        subject_id=subject_id,
        actor_id=actor_id,
        audience=await event_audience(session, order, kind, subject_provider_id, subject_id),
        created_at=utcnow(),
    )
    pending_events(session).append(event)
    from domain import notifications

    await notifications.on_event(session, order, event)
    return event


@sa_event.listens_for(Session, "before_commit")
def _store_pending_events(session: Session) -> None:
    """Insert the transaction's events and notifications last, inside the commit.

    Event ids must grow in commit order, so that "every event after id N" (the subscribers'
    replay) misses nothing: no transaction may commit an event with a smaller id later.
    SQLite writers are serialised already (BEGIN IMMEDIATE). On PostgreSQL a transaction-
    scoped advisory lock, taken here and held until the commit that follows, gives the same
    guarantee; taking it this late keeps it for two inserts and the commit, so concurrent
    writers overlap in everything else. It is taken by the event's INSERT itself, in the
    expression that draws the event's id (a round trip less under the lock: with four
    workers on two cores, each round trip there waits for its worker's turn, and writers
    queued on the lock for about a second). The change itself is flushed first, so its row
    locks are taken before the advisory lock and never waited for while holding it.

    A sync listener: AsyncSession runs commit (and so this) in its greenlet, where the sync
    Session's IO is allowed.
    """
    events = session.info.pop("pending_events", None)
    notifications = session.info.pop("pending_notifications", ())
    if not events:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for event in events:
            event.id = locked_event_id()
    session.add_all(events)
    session.add_all(notifications)  # they point at their events


def locked_event_id() -> Any:
    """`(SELECT nextval(<order_event's sequence>) FROM pg_advisory_xact_lock(<key>))`: the lock
    first, then the id (PostgreSQL)."""
    sequence = func.pg_get_serial_sequence(OrderEvent.__tablename__, "id")
    return select(func.nextval(sequence)).select_from(func.pg_advisory_xact_lock(EVENT_LOCK_KEY)).scalar_subquery()


def event_message(event: OrderEvent) -> dict:
    """What goes on the bus: enough to route; subscribers load the rest."""
    return {
        "event_id": event.id,
        "order_id": event.order_id,
        "portal_id": event.portal_id,
        "kind": event.kind.value,
        "audience": event.audience,
    }
