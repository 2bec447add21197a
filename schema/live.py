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
from domain.ids import to_global_id
from schema.attachments import Attachment
from schema.catalog import Provider
from schema.claims import MdfClaim
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


@strawberry.type(description="Files were attached to an order, one of its comments or quotes.")
class AttachmentsAddedEvent(OrderEventBase):
    @strawberry.field(description="The files attached together (those you may see).")
    async def attachments(self, info: Info) -> list[Attachment]:
        first = self.source.subject
        if first is None:
            return []
        rows = await info.context.loaders.attachments_by_order.load(first.order_id)
        return [
            a
            for a in rows
            if a.id >= first.id
            and a.uploaded_by_id == first.uploaded_by_id
            and a.created_at == first.created_at
            and a.quote_id == first.quote_id
            and a.comment_id == first.comment_id
        ]


@strawberry.type(description="A file was removed.")
class AttachmentRemovedEvent(OrderEventBase):
    @strawberry.field(description="The id the removed file had.")
    def attachment_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Attachment", self.source.event.subject_id))


@strawberry.type(description="An MDF claim was filed, approved or rejected (partner and supplier users).")
class ClaimEvent(OrderEventBase):
    @strawberry.field(description="The claim (null when it no longer exists).")
    def claim(self) -> MdfClaim | None:
        return self.source.subject

    @strawberry.field(description="SUBMITTED, APPROVED or REJECTED: what happened.")
    def step(self) -> str:
        return self.source.event.kind.value.removeprefix("CLAIM_")


@strawberry.type(description="An order's claim deadline passed: its MDF reservation was released.")
class ClaimDeadlinePassedEvent(OrderEventBase):
    pass


OrderEvent = Annotated[
    StatusChangedEvent
    | CommentAddedEvent
    | QuoteSubmittedEvent
    | QuoteDeclinedEvent
    | QuoteWithdrawnEvent
    | LeadsAddedEvent
    | OrderUpdatedEvent
    | AttachmentsAddedEvent
    | AttachmentRemovedEvent
    | ClaimEvent
    | ClaimDeadlinePassedEvent,
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
    models.OrderEventKind.ATTACHMENTS_ADDED: AttachmentsAddedEvent,
    models.OrderEventKind.ATTACHMENT_REMOVED: AttachmentRemovedEvent,
    models.OrderEventKind.CLAIM_SUBMITTED: ClaimEvent,
    models.OrderEventKind.CLAIM_APPROVED: ClaimEvent,
    models.OrderEventKind.CLAIM_REJECTED: ClaimEvent,
    models.OrderEventKind.CLAIM_EXPIRED: ClaimDeadlinePassedEvent,
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
