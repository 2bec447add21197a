"""The process's feed of stored order events, fanned out to its subscribers.

The bus only rings a doorbell ("an event was committed"); the stored events are the truth.
On a doorbell (the ones that came meanwhile count as one), one feed per process reads every
event after the highest id it has seen (one query for all subscribers), loads the rows the
events are about, and offers each event, in id order, to the bounded queue of every
subscriber that accepts it. Event ids grow in commit order (see
`domain.events`), so reading "after the last id" misses nothing and repeats nothing: not when
a bus message is lost (a resync marker or the periodic poll re-reads), not at the seam between
`orderEvents(after:)`'s replay and its live part.

The rows are shared by every subscriber of the event, read-only; each subscriber checks
access with its own viewer and resolves the rest with its own fresh loaders. Access is
decided as the order stands when the batch is read (`domain.access.can_receive_event`, the
visibility function of `node(id:)`): the invitations of the batch's orders are read with them,
so an event of an order the subscriber may no longer see (a quote request that went to a
rival, say) is dropped, live and on replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from domain.accounts import ACCESS_MESSAGE
from domain.notifications import NOTIFICATIONS_MESSAGE
from models import (
    Attachment,
    Comment,
    Lead,
    MdfClaim,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderInvitation,
    OrderStatus,
    OrderUpdate,
    Quote,
    StatusChange,
    User,
)
from models.database import Database
from subscriptions.bus import EventBus, SubscriberOverflow, Subscription

log = logging.getLogger("provider_orders.feed")

K = OrderEventKind
NOT_DOORBELLS = frozenset({NOTIFICATIONS_MESSAGE, ACCESS_MESSAGE})  # bus messages that are not about events
SUBJECTS: dict[OrderEventKind, type] = {
    K.STATUS_CHANGED: StatusChange,
    K.COMMENT_ADDED: Comment,
    K.QUOTE_SUBMITTED: Quote,
    K.QUOTE_DECLINED: OrderInvitation,
    K.QUOTE_WITHDRAWN: Quote,
    K.ORDER_UPDATED: OrderUpdate,
    K.ATTACHMENTS_ADDED: Attachment,
    K.CLAIM_SUBMITTED: MdfClaim,
    K.CLAIM_APPROVED: MdfClaim,
    K.CLAIM_REJECTED: MdfClaim,
}


@dataclass(slots=True)
class LiveEvent:
    """A stored event with the rows it is about, as loaded once for every subscriber."""

    event: OrderEvent
    order: Order
    actor: User | None
    subject: Any = None  # StatusChange, Comment, Quote, OrderInvitation or OrderUpdate
    leads: list[Lead] = field(default_factory=list)  # LEADS_ADDED: the leads added together
    # The providers invited to quote on the order (as read with the batch): who may see it as a quote request.
    invited: frozenset[int] = frozenset()
    # Execution results shared by subscribers signed in as the same user (subscriptions.sharing).
    results: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def rows(self) -> list[Any]:
        """The loaded rows, for priming a subscriber's loaders."""
        rows: list[Any] = [self.order, *self.leads]
        if self.actor is not None:
            rows.append(self.actor)
        if self.subject is not None:
            rows.append(self.subject)
        return rows


async def load_live_events(db: Database, stmt: Any) -> list[LiveEvent]:
    """Run a SELECT of OrderEvent rows and load what they are about, a few queries per batch."""
    async with db.read_session() as session:
        events = list((await session.scalars(stmt)).all())
        if not events:
            return []
        orders = await _by_id(session, Order, {e.order_id for e in events})
        actors = await _by_id(session, User, {e.actor_id for e in events if e.actor_id is not None})
        subjects: dict[OrderEventKind, dict[int, Any]] = {}
        for kind, model in SUBJECTS.items():
            ids = {e.subject_id for e in events if e.kind is kind}
            subjects[kind] = await _by_id(session, model, ids) if ids else {}
        leads = await _lead_batches(session, [e for e in events if e.kind is K.LEADS_ADDED])
        # Only a quote request's invitations decide who sees it (domain.access.order_view).
        invited = await _invited_providers(
            session, {o.id for o in orders.values() if o.status is OrderStatus.PENDING_QUOTES}
        )
    live = []
    for e in events:
        order = orders.get(e.order_id)
        if order is None:  # deleted since; nothing to show
            continue
        live.append(
            LiveEvent(
                event=e,
                order=order,
                actor=actors.get(e.actor_id) if e.actor_id is not None else None,
                subject=subjects.get(e.kind, {}).get(e.subject_id),
                leads=leads.get(e.id, []),
                invited=invited.get(e.order_id, frozenset()),
            )
        )
    return live


async def _by_id(session: Any, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids)))}


async def _invited_providers(session: Any, order_ids: set[int]) -> dict[int, frozenset[int]]:
    """Order id -> the providers invited to quote on it (declined ones too, as `node` counts them)."""
    if not order_ids:
        return {}
    by_order: dict[int, set[int]] = defaultdict(set)
    rows = await session.execute(
        select(OrderInvitation.order_id, OrderInvitation.provider_id).where(OrderInvitation.order_id.in_(order_ids))
    )
    for order_id, provider_id in rows:
        by_order[order_id].add(provider_id)
    return {order_id: frozenset(providers) for order_id, providers in by_order.items()}


async def _lead_batches(session: Any, events: list[OrderEvent]) -> dict[int, list[Lead]]:
    """The leads each LEADS_ADDED event added: its first lead and those saved with it."""
    if not events:
        return {}
    rows = (
        await session.scalars(
            select(Lead)
            .where(Lead.order_id.in_({e.order_id for e in events}), Lead.id >= min(e.subject_id for e in events))
            .order_by(Lead.id)
        )
    ).all()
    by_id = {lead.id: lead for lead in rows}
    by_order: dict[int, list[Lead]] = defaultdict(list)
    for lead in rows:
        by_order[lead.order_id].append(lead)
    batches: dict[int, list[Lead]] = {}
    for e in events:
        first = by_id.get(e.subject_id)
        if first is None:
            continue
        batches[e.id] = [
            lead
            for lead in by_order[e.order_id]
            if lead.id >= first.id and lead.created_at == first.created_at and lead.created_by_id == first.created_by_id
        ]
    return batches


Accept = Callable[[LiveEvent], bool]


class EventFeed:
    def __init__(self, db: Database, bus: EventBus, *, poll_seconds: float = 10.0, batch_size: int = 200):
        self.db, self.bus = db, bus
        self.poll_seconds, self.batch_size = poll_seconds, batch_size
        self._listeners: dict[Subscription, Accept] = {}
        self._high = 0
        self._task: asyncio.Task | None = None
        self._start_lock = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return len(self._listeners)

    async def listen(self, accept: Accept, max_queued: int) -> Subscription:
        """A bounded queue of the events `accept` takes, from the next one the feed reads on.
        The caller must `unlisten` it (no context manager: thousands stay open, each costs)."""
        await self._ensure_started()
        queue = Subscription(max_queued)
        self._listeners[queue] = accept
        return queue

    def unlisten(self, queue: Subscription) -> None:
        self._listeners.pop(queue, None)

    async def replay(
        self, after_id: int, portal_id: int, order_id: int | None = None, page: int = 100
    ) -> AsyncIterator[LiveEvent]:
        """Stored events of a portal (or one order) after `after_id`, oldest first, page by page."""
        last = after_id
        while True:
            stmt = select(OrderEvent).where(OrderEvent.id > last, OrderEvent.portal_id == portal_id)
            if order_id is not None:
                stmt = stmt.where(OrderEvent.order_id == order_id)
            events = await load_live_events(self.db, stmt.order_by(OrderEvent.id).limit(page))
            for live in events:
                yield live
            if not events:
                return
            last = events[-1].id

    async def _ensure_started(self) -> None:
        if self._task is not None and not self._task.done():
            return
        async with self._start_lock:
            if self._task is not None and not self._task.done():
                return
            async with self.db.read_session() as session:
                self._high = int(await session.scalar(select(func.coalesce(func.max(OrderEvent.id), 0))) or 0)
            self._task = asyncio.create_task(self._run(), name="event-feed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._listeners.clear()

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with self.bus.subscribe(max_queued=10_000) as doorbells:
                    await self.catch_up()  # whatever was committed while we were not listening
                    delay = 0.1
                    while True:
                        try:
                            message = await asyncio.wait_for(doorbells.get(), self.poll_seconds)
                        except TimeoutError:
                            message = None  # poll: a publish may have failed somewhere
                        if message is not None and message.get("type") in NOT_DOORBELLS:
                            continue  # notificationAdded's (its events rang their own doorbell), app.revocation's
                        doorbells.reset()  # the messages queued meanwhile: one read covers them all
                        await self.catch_up()
            except SubscriberOverflow:
                log.warning("event feed fell behind its bus; re-reading stored events")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event feed failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def catch_up(self) -> None:
        """Read every stored event after the highest seen and offer each to its subscribers."""
        while True:
            stmt = select(OrderEvent).where(OrderEvent.id > self._high).order_by(OrderEvent.id).limit(self.batch_size)
            events = await load_live_events(self.db, stmt)
            for live in events:
                self._high = max(self._high, live.id)
                self._fan_out(live)
            if len(events) < self.batch_size:
                return

    def _fan_out(self, live: LiveEvent) -> None:
        for queue, accept in list(self._listeners.items()):
            try:
                if accept(live):
                    queue.offer(live)
            except Exception:
                log.exception("subscriber filter failed")
