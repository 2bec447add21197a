"""Stored order events: written in the change's own transaction, published after commit.

Every domain action that changes an order calls `record_event`; the mutation runner
(`resolvers.mutations.base`) publishes `pending_events(session)` on the bus only once the
transaction has committed, so a refused or rolled-back mutation publishes nothing.

The event rows (and the notifications that point at them) are inserted at the very end of
the transaction, and get their ids in the commit itself: see `_store_pending_events`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Order, OrderEvent, OrderEventKind, OrderInvitation, OrderStatus, StatusChange
from models.base import utcnow

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
    if kind is OrderEventKind.STATUS_CHANGED and (order.status is OrderStatus.PENDING_QUOTES or left_pending_quotes):
        invited = await session.scalars(select(OrderInvitation.provider_id).where(OrderInvitation.order_id == order.id))
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
    """Insert the transaction's events and notifications last, as it commits.

    Event ids must grow in commit order, so that "every event after id N" (the subscribers'
    replay) misses nothing: no transaction may commit an event with a smaller id later; the
    same goes for notification ids (`notificationAdded`). SQLite writers are serialised
    already (BEGIN IMMEDIATE): ids drawn at insert are in commit order. On PostgreSQL the rows
    are inserted with a draft id (`draft_id`, negative), and a deferred trigger
    (`id_at_commit`, migration 0003) gives each its real id inside the COMMIT, under a
    transaction-scoped advisory lock that is released once the commit is visible. Writers
    therefore wait for each other only within PostgreSQL's commit, not across the round trips
    of their last statements: with 4 workers on 2 cores, a lock taken earlier was held while
    its worker waited for a turn on a core, and writers queued on it for about a second.
    Notifications follow their event's new id (`ON UPDATE CASCADE`).

    A sync listener: AsyncSession runs commit (and so this) in its greenlet, where the sync
    Session's IO is allowed.
    """
    events = session.info.pop("pending_events", None)
    notifications = session.info.pop("pending_notifications", ())
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        for row in (*events, *notifications):
            row.id = draft_id()
    session.add_all(events)
    session.add_all(notifications)  # they point at their events


def draft_id() -> Any:
    """`-nextval('draft_id_seq')`: a negative id, unique among the transactions in flight,
    that the commit replaces (PostgreSQL). After the commit the Python object still holds the
    draft: read the row again for its id."""
    return -func.nextval("draft_id_seq")


def event_message(event: OrderEvent) -> dict:
    """What goes on the bus: a doorbell with enough to route; subscribers load the rest. No id:
    on PostgreSQL the commit gave the event its id (`_store_pending_events`)."""
    return {
        "order_id": event.order_id,
        "portal_id": event.portal_id,
        "kind": event.kind.value,
        "audience": event.audience,
    }
