"""`notificationAdded`: the viewer's new in-app notifications, live.

After a mutation commits, the runner publishes one bus message naming the users it notified
(`domain.notifications.notification_message`). A subscriber wakes on a message naming its
user, on the bus's resync marker (messages may have been lost) and every `POLL_SECONDS`, and
each time reads its user's notifications after the last one it sent. Notification ids grow
in commit order (they are drawn as the transaction commits, see `domain.events`), so this
misses none and repeats none; notifications made while a client was away are in
`viewer.notifications`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

from sqlalchemy import func, select
from strawberry.types import Info

from domain.notifications import NOTIFICATIONS_MESSAGE
from models import Notification
from resolvers.context import Context
from subscriptions.bus import SubscriberOverflow
from subscriptions.connection import TOKEN_EXPIRED

log = logging.getLogger("provider_orders.subscriptions")
POLL_SECONDS = 30.0  # a safety net only: the bus wakes subscribers at once
PAGE = 100


async def subscribe_notifications(info: Info) -> AsyncGenerator[Notification, None]:
    ctx: Context = info.context
    viewer = ctx.require_viewer()  # refused before the stream exists
    return _stream(ctx, viewer.user_id)


async def _stream(ctx: Context, user_id: int) -> AsyncGenerator[Notification, None]:
    # Listen first, then note where we are: nothing committed in between is lost.
    async with ctx.bus.subscribe(max_queued=ctx.settings.subscription_queue_size) as queue:
        async with ctx.db.read_session() as session:
            last = int(
                await session.scalar(
                    select(func.coalesce(func.max(Notification.id), 0)).where(Notification.user_id == user_id)
                )
                or 0
            )
        while not _expired(ctx):
            try:
                message = await asyncio.wait_for(queue.get(), POLL_SECONDS)
            except TimeoutError:
                message = None
            except SubscriberOverflow:
                queue.reset()  # fell behind the bus: the read below catches up anyway
                message = None
            if message is not None and not _concerns(message, user_id):
                continue
            async with ctx.db.read_session() as session:
                rows = list(
                    await session.scalars(
                        select(Notification)
                        .where(Notification.user_id == user_id, Notification.id > last)
                        .order_by(Notification.id)
                        .limit(PAGE)
                    )
                )
            for row in rows:
                last = row.id
                yield row
    if ctx.connection is not None:
        await ctx.connection.close(*TOKEN_EXPIRED)


def _concerns(message: dict, user_id: int) -> bool:
    if message.get("type") == NOTIFICATIONS_MESSAGE:
        return user_id in message.get("users", ())
    return message.get("type") == "resync"


def _expired(ctx: Context) -> bool:
    return ctx.token_expires_at is not None and ctx.token_expires_at <= datetime.now(UTC)
