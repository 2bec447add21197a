"""Live dashboards: the subscription payloads and the `Subscription` root type.

Every payload carries an opaque `cursor`; `orderEvents(after:)` replays the stored events
after it and goes on live, so a client that lost its connection resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

import models
from schema.catalog import Provider
from schema.enums import OrderStatus
from schema.orders import Comment, Lead, Order, OrderUpdate, Quote
from schema.portal import User
from subscriptions import resolvers
from subscriptions.feed import LiveEvent

CURSOR_HELP = (
    "Opaque; pass it as `after` to `orderEvents`, `orderStatusChanged` or `commentAdded` to resume right after "
    "this event."
)


@strawberry.interface(description="What every live order event has.")
class OrderEventBase:
    source: strawberry.Private[LiveEvent]

    @strawberry.field(description=CURSOR_HELP)
    def cursor(self, info: Info) -> str:
        return resolvers.event_cursor(info, self.source.id)

    @strawberry.field(description="When it happened (UTC).")
    def at(self) -> datetime:
        return self.source.event.created_at

    @strawberry.field(description="The order it happened on, as it is when the event is delivered.")
    def order(self) -> Order:
        return self.source.order

    @strawberry.field(description="Who did it.")
    def actor(self) -> User | None:
        return self.source.actor


@strawberry.type(description="A status change of an order: from, to, who, why, when.")
class OrderStatusChange(OrderEventBase):
    @strawberry.field(name="from", description="The status before; null for the order's submission.")
    def from_(self) -> OrderStatus | None:
        return self.source.subject.from_status

    @strawberry.field(description="The status after the change.")
    def to(self) -> OrderStatus:
        return self.source.subject.to_status

    @strawberry.field(description="The reason or message given with the change.")
    def reason(self) -> str | None:
        return self.source.subject.reason


@strawberry.type(description="An order changed status.")
class StatusChangedEvent(OrderStatusChange):
    pass


@strawberry.type(description="Someone commented on an order.")
class CommentAddedEvent(OrderEventBase):
    @strawberry.field(description="The comment posted.")
    def comment(self) -> Comment:
        return self.source.subject


@strawberry.type(description="A provider submitted a quote (or a revision).")
class QuoteSubmittedEvent(OrderEventBase):
    @strawberry.field(description="The quote sent.")
    def quote(self) -> Quote:
        return self.source.subject


@strawberry.type(description="An invited provider declined to quote (when all have, the order is cancelled).")
class QuoteDeclinedEvent(OrderEventBase):
    @strawberry.field(description="The provider that declined.")
    async def provider(self, info: Info) -> Provider:
        return await info.context.loaders.organization.load(self.source.subject.provider_id)

    @strawberry.field(description="The reason it gave.")
    def reason(self) -> str | None:
        return self.source.subject.decline_reason


@strawberry.type(
    description="An invited provider withdrew its quote (only the partner side and that provider hear of it)."
)
class QuoteWithdrawnEvent(OrderEventBase):
    @strawberry.field(description="The quote, now WITHDRAWN.")
    def quote(self) -> Quote:
        return self.source.subject


@strawberry.type(description="The provider recorded leads on an order.")
class LeadsAddedEvent(OrderEventBase):
    @strawberry.field(description="The leads added together.")
    def leads(self) -> list[Lead]:
        return self.source.leads


@strawberry.type(description="An order was edited without a status change (updateOrder, updateEstimatedCompletion).")
class OrderUpdatedEvent(OrderEventBase):
    @strawberry.field(description="The edit, as in the order's timeline.")
    def update(self) -> OrderUpdate:
        return self.source.subject


OrderEvent = Annotated[
    StatusChangedEvent
    | CommentAddedEvent
    | QuoteSubmittedEvent
    | QuoteDeclinedEvent
    | QuoteWithdrawnEvent
    | LeadsAddedEvent
    | OrderUpdatedEvent,
    strawberry.union("OrderEvent", description="Anything that happened on an order."),
]

PAYLOADS = {
    models.OrderEventKind.STATUS_CHANGED: StatusChangedEvent,
    models.OrderEventKind.COMMENT_ADDED: CommentAddedEvent,
    models.OrderEventKind.QUOTE_SUBMITTED: QuoteSubmittedEvent,
    models.OrderEventKind.QUOTE_DECLINED: QuoteDeclinedEvent,
    models.OrderEventKind.QUOTE_WITHDRAWN: QuoteWithdrawnEvent,
    models.OrderEventKind.LEADS_ADDED: LeadsAddedEvent,
    models.OrderEventKind.ORDER_UPDATED: OrderUpdatedEvent,
}
ORDER_ID_HELP = "One order; without it, every order the subscriber may see."
AFTER_HELP = (
    "A `cursor` (or a comment's `eventCursor`) received earlier: first replay the stored events after it, "
    "then go on live. Cursors of `orderStatusChanged`, `commentAdded` and `orderEvents` are positions in one "
    "sequence, so any of them may be passed to any of the three."
)


@strawberry.type(description="Live updates over WebSocket (`graphql-transport-ws`).")
class Subscription:
    @strawberry.subscription(
        description=(
            "Status changes of one order, or of every order you may see. Each carries its `cursor`: subscribe "
            "again with `after` set to the last one received to get the changes missed meanwhile, each once, "
            "then live ones."
        )
    )
    async def order_status_changed(
        self,
        info: Info,
        order_id: Annotated[strawberry.ID | None, strawberry.argument(description=ORDER_ID_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> AsyncGenerator[OrderStatusChange, None]:
        return await resolvers.subscribe(
            info,
            order_id=order_id,
            after=after,
            kinds={models.OrderEventKind.STATUS_CHANGED},
            payload=lambda live: OrderStatusChange(source=live),
        )

    @strawberry.subscription(
        description=(
            "New comments on one order, or on every order you may see in full. Each carries its `eventCursor`: "
            "subscribe again with `after` set to the last one received to get the comments missed meanwhile, "
            "each once, then live ones."
        )
    )
    async def comment_added(
        self,
        info: Info,
        order_id: Annotated[strawberry.ID | None, strawberry.argument(description=ORDER_ID_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> AsyncGenerator[Comment, None]:
        return await resolvers.subscribe(
            info,
            order_id=order_id,
            after=after,
            kinds={models.OrderEventKind.COMMENT_ADDED},
            payload=lambda live: live.subject,
        )

    @strawberry.subscription(
        description=(
            "Every event of the orders you may see (or of one order), in order, each exactly once: "
            "first the stored events after `after`, then live ones. Resume with the last `cursor` received."
        )
    )
    async def order_events(
        self,
        info: Info,
        after: Annotated[
            str | None, strawberry.argument(description="Replay the events after this cursor first.")
        ] = None,
        order_id: Annotated[strawberry.ID | None, strawberry.argument(description=ORDER_ID_HELP)] = None,
    ) -> AsyncGenerator[OrderEvent, None]:
        return await resolvers.subscribe(
            info,
            order_id=order_id,
            after=after,
            kinds=set(PAYLOADS),
            payload=lambda live: PAYLOADS[live.event.kind](source=live),
        )
