"""Subscription resolvers: check the request, then stream the feed's events a subscriber may see.

Errors found before streaming (no viewer, a foreign or unknown order id, a bad cursor) are
raised before the stream exists, so the protocol reports them as an `error` message.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Collection
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError
from sqlalchemy import func, select
from strawberry.types import Info

from domain import access
from domain.ids import parse_global_id
from domain.viewer import Viewer
from models import OrderEvent, OrderEventKind
from resolvers.context import Context
from resolvers.node import RESOLVERS
from resolvers.pagination import SortKey
from subscriptions.bus import SubscriberOverflow
from subscriptions.connection import TOKEN_EXPIRED, TOO_SLOW, delivery_of_current_task
from subscriptions.feed import LiveEvent
from subscriptions.sharing import current_event, share_key

log = logging.getLogger("provider_orders.subscriptions")
EVENT_CURSOR = SortKey("EVENT", None, OrderEvent.id)


def event_cursor(info: Info, event_id: int) -> str:
    return info.context.cursors.encode(EVENT_CURSOR.name, None, event_id)


async def resolve_latest_event_cursor(info: Info) -> str:
    """The cursor of the viewer's portal's newest stored event (event ids grow in commit order):
    a subscription with `after:` set to it gets every event committed after this read."""
    ctx: Context = info.context
    viewer = ctx.require_viewer()
    async with ctx.db.read_session() as session:
        latest = await session.scalar(select(func.max(OrderEvent.id)).where(OrderEvent.portal_id == viewer.portal_id))
    return event_cursor(info, latest or 0)


def delivered_cursor(info: Info, kind: OrderEventKind, subject_id: int) -> str | None:
    """The cursor of the event being delivered, if it is the `kind` event about this row (a
    comment delivered by `commentAdded`); None anywhere else (a query, another event's payload)."""
    live = current_event.get()
    if live is None or live.event.kind is not kind or live.event.subject_id != subject_id:
        return None
    return event_cursor(info, live.id)


async def subscribe(
    info: Info,
    *,
    order_id: str | None,
    after: str | None,
    kinds: set[OrderEventKind],
    payload: Callable[[LiveEvent], Any],
) -> AsyncGenerator[Any, None]:
    ctx: Context = info.context
    viewer = ctx.require_viewer()
    order_pk = await _visible_order(ctx, order_id) if order_id is not None else None
    after_id = ctx.cursors.decode(after, EVENT_CURSOR, "after")[1] if after is not None else None

    def accept(live: LiveEvent) -> bool:
        return accepts(viewer, live, kinds, order_pk)

    raw = info._raw_info
    operation = raw.operation
    return _stream(
        ctx, accept, after_id, order_pk, payload, operation, share_key(viewer, operation, raw.variable_values)
    )


def accepts(viewer: Viewer, live: LiveEvent, kinds: Collection[OrderEventKind], order_pk: int | None = None) -> bool:
    """Whether a subscriber gets this event, live and on replay: the kinds it asked for (of one
    order, or all), if the visibility function lets this viewer receive it now."""
    event = live.event
    return (
        event.kind in kinds
        and (order_pk is None or event.order_id == order_pk)
        and access.can_receive_event(viewer, event, live.order, live.invited)
    )


async def _visible_order(ctx: Context, order_id: str) -> int:
    """The order's primary key, if the viewer may see it now; NOT_FOUND otherwise (foreign or unknown)."""
    parsed = parse_global_id(order_id)
    if (
        parsed is not None
        and parsed[0] == "Order"
        and await RESOLVERS["Order"](ctx, ctx.require_viewer(), parsed[1]) is not None
    ):
        return parsed[1]
    raise GraphQLError(f"no Order with id {order_id!r}", extensions={"code": "NOT_FOUND", "argument": "orderId"})


async def _stream(
    ctx: Context,
    accept: Callable[[LiveEvent], bool],
    after_id: int | None,
    order_pk: int | None,
    payload: Callable[[LiveEvent], Any],
    operation: Any,
    key: tuple,
) -> AsyncGenerator[Any, None]:
    viewer = ctx.require_viewer()
    delivery: Any = None  # how to send a shared, pre-encoded result: looked up when first needed
    ctx.fresh_loaders()  # drop the rows the checks loaded: an idle subscriber keeps none
    # Listen first, then replay: an event committed meanwhile is in both and skipped the
    # second time (ids grow in commit order), none falls between the two.
    queue = await ctx.feed.listen(accept, ctx.settings.subscription_queue_size)
    try:
        last = after_id or 0
        if after_id is not None:
            async for live in ctx.feed.replay(after_id, viewer.portal_id, order_pk):
                if accept(live):
                    if _expired(ctx):
                        break
                    last = live.id
                    yield _prepared(ctx, live, payload)
        while not _expired(ctx):
            try:
                live = await queue.get()
            except SubscriberOverflow:
                log.info("closing a subscriber that fell %d events behind", ctx.settings.subscription_queue_size)
                await _close(ctx, *TOO_SLOW)
                return
            if live.id <= last:
                continue
            last = live.id
            shared = live.results.get(key)
            if shared is not None and shared.operation is operation and delivery is not False:
                # Another subscriber of this user and query executed this event: send its encoded
                # result as is, past graphql-core and Strawberry (subscriptions.sharing).
                if delivery is None:
                    delivery = delivery_of_current_task(ctx.connection) or False  # False: not on a WebSocket
                encoded = await shared.payload_json() if delivery else None
                if encoded is not None:
                    if not await delivery.send_payload(encoded):
                        return  # the client is gone
                    continue
            yield _prepared(ctx, live, payload)
        await _close(ctx, *TOKEN_EXPIRED)
    finally:
        ctx.feed.unlisten(queue)


def _expired(ctx: Context) -> bool:
    return ctx.token_expires_at is not None and ctx.token_expires_at <= datetime.now(UTC)


async def _close(ctx: Context, code: int, reason: str) -> None:
    if ctx.connection is not None:
        await ctx.connection.close(code, reason)


def _prepared(ctx: Context, live: LiveEvent, payload: Callable[[LiveEvent], Any]) -> Any:
    """Fresh loaders for this event (trap 2), knowing the rows the feed loaded once (they are
    made, and primed, only if a field needs them: most subscribers reuse a shared result)."""
    current_event.set(live)
    ctx.fresh_loaders(live.rows)
    return payload(live)
